/** pg and network failures → core errors (transient or not), by SQLSTATE and Node error code. */
import {
  SessionStoreError,
  StoreAccessError,
  StoreOperationError,
  StoreUnavailableError,
} from '@agent-sessions/core/adapter';
import { BACKEND } from './options.js';

/** Node socket errors that mean "the server is not reachable right now". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** pg's own messages for a connection that failed, timed out or died. */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|Connection refused/i;

function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') || // connection_exception (PgBouncer reports a missing server as 08P01 too)
    code === '57P01' || // admin_shutdown
    code === '57P02' || // crash_shutdown
    code === '57P03' || // cannot_connect_now (starting up, recovering)
    code === '57014' || // query_canceled (statement_timeout)
    code === '53300' || // too_many_connections
    code === '53000' || // insufficient_resources
    code === '40001' || // serialization_failure
    code === '40P01' // deadlock_detected
  );
}

function isAccessSqlState(code: string): boolean {
  return (
    code.startsWith('28') || // invalid_authorization_specification, invalid_password
    code === '42501' || // insufficient_privilege
    code === '25006' || // read_only_sql_transaction (a standby)
    code === '3D000' || // invalid_catalog_name: the database does not exist
    code === '53100' // disk_full
  );
}

/** Maps what pg (or the network) threw during `operation` to a core error that says what to do. */
export function mapPgError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const options = { backend: BACKEND, sessionId, cause: error };
  const what = `postgres: ${operation} failed: ${message}${code ? ` (${code})` : ''}`;
  if (NETWORK_CODES.has(code) || PG_CONNECTION_MESSAGES.test(message) || isTransientSqlState(code))
    return new StoreUnavailableError(what, options);
  if (isAccessSqlState(code))
    return new StoreAccessError(
      `${what}. Check the user, password, database name and the user's privileges on the schema and tables`,
      options,
    );
  return new StoreOperationError(what, options);
}
