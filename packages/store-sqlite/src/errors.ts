/** Maps better-sqlite3 errors to core errors, by SQLite's result codes. */
import {
  SessionStoreError,
  StoreAccessError,
  StoreOperationError,
  StoreUnavailableError,
} from '@agent-sessions/core/adapter';
import { BACKEND } from './options.js';

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

type Advice = [typeof StoreAccessError | typeof StoreUnavailableError, (what: string, message: string) => string];

const LOCKED: Advice = [
  StoreUnavailableError,
  (what, m) => `${what}: the database stayed locked by another connection for longer than the busy timeout (${m})`,
];
const CANT_OPEN: Advice = [
  StoreAccessError,
  (what, m) =>
    `${what}: cannot open or create the database file (${m}). Check that its folder exists and that ` +
    'this process may read and write the file and the folder',
];
const NOT_A_DB: Advice = [
  StoreAccessError,
  (what, m) =>
    `${what}: the file is not a usable SQLite database (${m}). Restore it from a backup or point the ` +
    'store at another file',
];

/** What each primary result code means for the caller, and which error says it. */
const BY_CODE: Record<string, Advice> = {
  SQLITE_BUSY: LOCKED,
  SQLITE_LOCKED: LOCKED,
  SQLITE_READONLY: [
    StoreAccessError,
    (what, m) =>
      `${what}: the database is read-only (${m}). Give this process write access to the file and its ` +
      'folder (SQLite creates -wal and -shm files beside it)',
  ],
  SQLITE_CANTOPEN: CANT_OPEN,
  SQLITE_PERM: CANT_OPEN,
  SQLITE_AUTH: CANT_OPEN,
  SQLITE_NOTADB: NOT_A_DB,
  SQLITE_CORRUPT: NOT_A_DB,
  SQLITE_FULL: [StoreAccessError, (what, m) => `${what}: the disk is full (${m}). Free space, then retry`],
  SQLITE_IOERR: [StoreUnavailableError, (what, m) => `${what}: I/O error (${m})`],
};

/**
 * `where` names the database file. Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_READONLY_DBMOVED, …) map by their
 * primary code.
 */
export function mapSqliteError(
  error: unknown,
  operation: string,
  where: string,
  sessionId: string | null,
): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const options = { backend: BACKEND, sessionId, cause: error };
  const what = `sqlite: ${operation} on ${where} failed`;
  // better-sqlite3 checks the folder itself and throws a TypeError before SQLite sees the path.
  if (/directory does not exist/i.test(message))
    return new StoreAccessError(
      `${what}: the folder of the database file does not exist. Create it, or pass a path in an existing folder`,
      options,
    );
  const advice = BY_CODE[codeOf(error).replace(/^(SQLITE_[A-Z]+)_.*$/, '$1')];
  if (advice === undefined) return new StoreOperationError(`${what}: ${message}`, options);
  const [ErrorClass, explain] = advice;
  return new ErrorClass(explain(what, message), options);
}
