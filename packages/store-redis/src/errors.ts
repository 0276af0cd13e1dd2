/** Maps ioredis errors to core errors. */
import {
  SessionCorruptError,
  type SessionStoreError,
  StoreAccessError,
  StoreOperationError,
  StoreUnavailableError,
} from '@agent-sessions/core/adapter';
import { BACKEND } from './options.js';

const UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection is closed|Stream isn't writeable|Command timed out|MaxRetriesPerRequest|ClusterAllFailed|Failed to refresh slots cache|None of startup nodes is available|LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN/;
const ACCESS = /NOAUTH|WRONGPASS|NOPERM|invalid password|READONLY|MISCONF/;

/** A refusal of the credentials or permissions (a wrong password, a missing ACL permission), not of the network. */
export function isAccessError(error: unknown): boolean {
  const err = error as { message?: string; code?: string; name?: string } | null;
  return err != null && ACCESS.test(`${err.name ?? ''} ${err.code ?? ''} ${err.message ?? String(error)}`);
}

/** Maps an ioredis error to a core error (StoreUnavailableError, StoreAccessError, …). */
export function mapRedisError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
  const err = error as { message?: string; code?: string; name?: string };
  const text = `${err.name ?? ''} ${err.code ?? ''} ${err.message ?? String(error)}`;
  const options = { backend: BACKEND, sessionId, cause: error };
  if (UNAVAILABLE.test(text))
    return new StoreUnavailableError(`redis: ${operation} failed: ${err.message ?? text}`, options);
  if (ACCESS.test(text))
    return new StoreAccessError(
      `redis: ${operation} was refused: ${(err.message ?? text).replace(/\.$/, '')}. Check the password, the ACL user's permissions, and that the server is a writable primary`,
      options,
    );
  return new StoreOperationError(`redis: ${operation} failed: ${err.message ?? text}`, options);
}

/** Another program put a value of another type under one of a session's keys: that record is damaged. */
export function wrongTypeError(
  error: unknown,
  keys: { head: string; messages: string },
  sessionId: string,
): SessionCorruptError | null {
  if (!/WRONGTYPE/.test(String((error as Error)?.message))) return null;
  return new SessionCorruptError(
    `${keys.head} / ${keys.messages}`,
    'one of its keys holds a value of the wrong Redis type (WRONGTYPE)',
    { backend: BACKEND, sessionId, cause: error },
  );
}
