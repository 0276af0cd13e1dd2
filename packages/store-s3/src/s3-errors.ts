/** Recognises what the SDK throws: S3 error codes, HTTP statuses and Node network errors. */
import {
  InvalidArgumentError,
  SessionStoreError,
  StoreAccessError,
  StoreOperationError,
  StoreUnavailableError,
} from '@agent-sessions/core/adapter';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function fields(error: unknown): SdkError {
  return typeof error === 'object' && error !== null ? (error as SdkError) : {};
}

export function httpStatus(error: unknown): number | undefined {
  return fields(error).$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchKey`, `AccessDenied`, …), or the error's name. */
export function errorCode(error: unknown): string {
  const e = fields(error);
  return e.Code ?? e.name ?? '';
}

/** The object (not the bucket) is missing. HEAD replies carry no body, so a bare 404 counts too. */
export function isNoSuchKey(error: unknown): boolean {
  const code = errorCode(error);
  if (code === 'NoSuchBucket') return false;
  return code === 'NoSuchKey' || code === 'NotFound' || httpStatus(error) === 404;
}

/** A conditional request lost: 412 PreconditionFailed, or 409 ConditionalRequestConflict (a concurrent write). */
export function isPreconditionFailed(error: unknown): boolean {
  const code = errorCode(error);
  const status = httpStatus(error);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

/** The server does not implement a request feature (some S3-compatible servers and conditional deletes). */
export function isNotImplemented(error: unknown): boolean {
  return errorCode(error) === 'NotImplemented' || httpStatus(error) === 501;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
]);
const UNAVAILABLE_NAMES = new Set([
  'AbortError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'NetworkingError',
]);
const ACCESS_NAMES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'AccountProblem',
  'InvalidSecurity',
  'CredentialsProviderError',
  'Forbidden',
]);

export interface ErrorContext {
  bucket: string;
  prefix: string;
  /** Where requests go ("AWS S3" when no endpoint was set). */
  endpoint: string;
  operation: string;
  sessionId: string | null;
}

/** Maps a driver error to the core error class that says what to do. */
export function mapS3Error(error: unknown, ctx: ErrorContext): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const e = fields(error);
  const code = errorCode(error);
  const status = httpStatus(error);
  const detail = `${code || 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
  const where = `bucket "${ctx.bucket}" at ${ctx.endpoint}`;
  const opts = { backend: 's3', sessionId: ctx.sessionId, cause: error };
  if (code === 'NoSuchBucket')
    return new StoreAccessError(
      `s3: ${ctx.operation} failed: ${where} does not exist (${detail}). Create the bucket or fix the bucket option.`,
      opts,
    );
  if (ACCESS_NAMES.has(code) || status === 403 || status === 401)
    return new StoreAccessError(
      `s3: ${ctx.operation} failed: access to ${where} (prefix "${ctx.prefix}") was refused (${detail}). ` +
        'Check the credentials (the SDK default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an ' +
        'instance role) and that they may list, read, write and delete objects under the prefix.',
      opts,
    );
  if (/Region is missing/i.test(e.message ?? ''))
    return new InvalidArgumentError('region', 'none is configured: pass the region option or set AWS_REGION', opts);
  if (
    NETWORK_CODES.has(e.code ?? '') ||
    UNAVAILABLE_NAMES.has(code) ||
    (status !== undefined && status >= 500) ||
    status === 429
  )
    return new StoreUnavailableError(`s3: ${ctx.operation} failed: ${where} is unavailable (${detail})`, opts);
  return new StoreOperationError(`s3: ${ctx.operation} failed on ${where}: ${detail}`, opts);
}
