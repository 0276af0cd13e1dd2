/** Options of the S3 store: types with their defaults, validation, and the `s3://` URL form. */

import {
  type CommonStoreOptions,
  DEFAULT_MAX_DOCUMENT_BYTES,
  DEFAULT_OPERATION_TIMEOUT_MS,
  InvalidArgumentError,
  positiveIntegerOption,
  readUrlParams,
  type StoreUrl,
} from '@agent-sessions/core/adapter';
import type { S3Client } from '@aws-sdk/client-s3';

/** Static credentials, or a provider as the SDK accepts it. */
export type S3Credentials =
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);

/** Options of S3SessionStore; only `bucket` is required. */
export interface S3StoreOptions extends CommonStoreOptions {
  /** The bucket that holds the sessions. Required; it must exist. */
  bucket: string;
  /**
   * Key prefix of this store's objects, like a folder: a `/` is added when missing. Default `""` (the bucket's
   * root). At most 512 UTF-8 bytes, no control characters.
   */
  prefix?: string;
  /**
   * An existing client. The store never destroys it; `region`, `endpoint`, `forcePathStyle`, `credentials` and
   * `maxAttempts` then belong to the client and may not be given. Default: the store creates its own client.
   */
  client?: S3Client;
  /** AWS region. Default: the SDK's chain (AWS_REGION, the profile), or `us-east-1` when `endpoint` is set. */
  region?: string;
  /** Endpoint of an S3-compatible server (MinIO, R2, …), e.g. `http://127.0.0.1:9000`. Default: AWS S3. */
  endpoint?: string;
  /** Path-style requests (`endpoint/bucket/key`), which MinIO usually needs. Default false. */
  forcePathStyle?: boolean;
  /** Default: the SDK's default credential chain (environment, profile, SSO, instance or container role). */
  credentials?: S3Credentials;
  /** Attempts per request, retries included (the SDK's retry strategy). Default 2. */
  maxAttempts?: number;
  /**
   * Use If-Match / If-None-Match so that revision checks are atomic. Default true. Set false only for servers that
   * ignore conditional headers: revisions are then still checked, but read-then-write (not atomic), and
   * `capabilities.atomicRevisions` is false.
   */
  conditionalWrites?: boolean;
  /** Store documents with Content-Encoding gzip (decompressed on read). Default false. */
  gzip?: boolean;
  /**
   * Time limit of each store operation in ms, also of each request (connect, idle socket, abort), also with a
   * client you passed. `null`: none. Default 10000.
   */
  operationTimeoutMs?: number | null;
  /** The largest encoded document in bytes (SessionTooLargeError above it). Default 256 MiB. */
  maxDocumentBytes?: number;
  /** HEAD requests in flight at once while listing. Default 16. */
  listConcurrency?: number;
}

export interface ResolvedS3Options {
  bucket: string;
  prefix: string;
  client: S3Client | undefined;
  region: string | undefined;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  credentials: S3Credentials | undefined;
  maxAttempts: number;
  conditionalWrites: boolean;
  gzip: boolean;
  operationTimeoutMs: number | null;
  maxDocumentBytes: number;
  listConcurrency: number;
}

/** Default `maxAttempts`: attempts per request, retries included. */
export const DEFAULT_MAX_ATTEMPTS = 2;
/** Default `listConcurrency`: HEAD requests in flight at once while listing. */
export const DEFAULT_LIST_CONCURRENCY = 16;
/** The longest key prefix, in UTF-8 bytes (S3 keys are limited to 1024). */
export const MAX_PREFIX_BYTES = 512;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function bad(name: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(name, why, { backend: 's3' });
}

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw bad(name, `expected true or false, got ${String(value)}`);
  return value;
}

function stringOption(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw bad(name, 'expected a non-empty string');
  return value;
}

/** Normalizes the prefix to `""` or a string ending in `/`. */
export function resolvePrefix(value: unknown): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string') throw bad('prefix', 'expected a string such as "sessions/"');
  if (!value.isWellFormed() || CONTROL.test(value))
    throw bad('prefix', 'it contains a control character or a lone surrogate');
  if (value.startsWith('/')) throw bad('prefix', `"${value}" starts with "/"; S3 keys have no leading slash`);
  const prefix = value.endsWith('/') ? value : `${value}/`;
  if (Buffer.byteLength(prefix) > MAX_PREFIX_BYTES)
    throw bad('prefix', `it is longer than ${MAX_PREFIX_BYTES} UTF-8 bytes (S3 keys are limited to 1024)`);
  return prefix;
}

/** Static keys or a provider function; anything else is refused. */
function checkCredentials(credentials: S3StoreOptions['credentials']): S3StoreOptions['credentials'] {
  if (credentials === undefined || typeof credentials === 'function') return credentials;
  if (
    typeof credentials !== 'object' ||
    credentials === null ||
    !credentials.accessKeyId ||
    !credentials.secretAccessKey
  )
    throw bad('credentials', 'expected { accessKeyId, secretAccessKey } or a credential provider');
  return credentials;
}

export function resolveOptions(options: S3StoreOptions): ResolvedS3Options {
  if (typeof options !== 'object' || options === null)
    throw bad('options', 'expected an object such as { bucket: "my-bucket", prefix: "sessions/" } or an s3:// URL');
  const bucket = stringOption('bucket', options.bucket);
  if (bucket === undefined) throw bad('bucket', 'it is required');
  if (/[/\s]/.test(bucket) || CONTROL.test(bucket)) throw bad('bucket', `"${bucket}" is not a bucket name`);
  const client = options.client;
  if (client !== undefined) {
    if (typeof (client as { send?: unknown }).send !== 'function') throw bad('client', 'expected an S3Client');
    const clash = (['region', 'endpoint', 'forcePathStyle', 'credentials', 'maxAttempts'] as const).filter(
      (k) => options[k] !== undefined,
    );
    if (clash.length > 0) throw bad(clash[0] as string, 'configure the S3Client you pass instead');
  }
  const endpoint = stringOption('endpoint', options.endpoint);
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint))
    throw bad('endpoint', `expected an http:// or https:// URL, got "${endpoint}"`);
  const timeout = options.operationTimeoutMs;
  if (timeout !== undefined && timeout !== null && !(typeof timeout === 'number' && timeout > 0 && timeout < 2 ** 31))
    throw bad('operationTimeoutMs', `expected a positive number of milliseconds or null, got ${String(timeout)}`);
  const credentials = checkCredentials(options.credentials);
  return Object.freeze({
    bucket,
    prefix: resolvePrefix(options.prefix),
    client,
    region: stringOption('region', options.region) ?? (endpoint !== undefined ? 'us-east-1' : undefined),
    endpoint,
    forcePathStyle: booleanOption('forcePathStyle', options.forcePathStyle, false),
    credentials,
    maxAttempts: positiveIntegerOption('maxAttempts', options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 's3'),
    conditionalWrites: booleanOption('conditionalWrites', options.conditionalWrites, true),
    gzip: booleanOption('gzip', options.gzip, false),
    operationTimeoutMs: timeout === undefined ? DEFAULT_OPERATION_TIMEOUT_MS : timeout,
    maxDocumentBytes: positiveIntegerOption(
      'maxDocumentBytes',
      options.maxDocumentBytes,
      DEFAULT_MAX_DOCUMENT_BYTES,
      's3',
    ),
    listConcurrency: positiveIntegerOption('listConcurrency', options.listConcurrency, DEFAULT_LIST_CONCURRENCY, 's3'),
  });
}

/** The query parameters of an `s3://` URL: the options of the same names. */
const URL_PARAMS = {
  prefix: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  forcePathStyle: { type: 'boolean' },
  gzip: { type: 'boolean' },
  conditionalWrites: { type: 'boolean' },
  operationTimeoutMs: { type: 'timeout' },
  maxAttempts: { type: 'integer' },
  maxDocumentBytes: { type: 'integer' },
  listConcurrency: { type: 'integer' },
} as const;

function decode(name: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad(name, `"${text}" is not valid percent-encoding`);
  }
}

/**
 * `s3://[accessKeyId:secretAccessKey@]bucket[/prefix][?region=&endpoint=&forcePathStyle=&gzip=&conditionalWrites=
 * &operationTimeoutMs=&maxAttempts=&maxDocumentBytes=&listConcurrency=]` → options. The path (percent-decoded) is
 * the prefix; `?prefix=` may give it instead. `operationTimeoutMs=none` means no limit.
 */
export function optionsFromUrl(url: StoreUrl): S3StoreOptions {
  if (url.scheme !== 's3') throw bad('store URL', `expected an s3:// URL, got "${url.scheme}:"`);
  if (!url.location.startsWith('//')) throw bad('store URL', 'expected s3://bucket/prefix');
  const rest = url.location.slice(2);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const bucket = at === -1 ? authority : authority.slice(at + 1);
  if (bucket === '') throw bad('store URL', 'it names no bucket; expected s3://bucket/prefix');
  const { prefix: queryPrefix, ...values } = readUrlParams(url, URL_PARAMS, 's3').values;
  const options: S3StoreOptions = { bucket: decode('bucket', bucket), ...values };
  const pathPrefix = decode('prefix', path);
  if (queryPrefix !== undefined && pathPrefix !== '')
    throw bad('store URL', 'give the prefix either as the path or as ?prefix=, not both');
  const prefix = queryPrefix ?? pathPrefix;
  if (prefix !== '') options.prefix = prefix;
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon === -1) throw bad('store URL', 'credentials in the URL must be accessKeyId:secretAccessKey@');
    options.credentials = {
      accessKeyId: decode('accessKeyId', userinfo.slice(0, colon)),
      secretAccessKey: decode('secretAccessKey', userinfo.slice(colon + 1)),
    };
  }
  return options;
}
