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
  const code = codeOf(error);
  const primary = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  const what = `sqlite: ${operation} on ${where} failed`;
  // better-sqlite3 checks the folder itself and throws a TypeError before SQLite sees the path.
  if (/directory does not exist/i.test(message))
    return new StoreAccessError(
      `${what}: the folder of the database file does not exist. Create it, or pass a path in an existing folder`,
      options,
    );
  switch (primary) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new StoreUnavailableError(
        `${what}: the database stayed locked by another connection for longer than the busy timeout (${message})`,
        options,
      );
    case 'SQLITE_READONLY':
      return new StoreAccessError(
        `${what}: the database is read-only (${message}). Give this process write access to the file and its ` +
          'folder (SQLite creates -wal and -shm files beside it)',
        options,
      );
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new StoreAccessError(
        `${what}: cannot open or create the database file (${message}). Check that its folder exists and that ` +
          'this process may read and write the file and the folder',
        options,
      );
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new StoreAccessError(
        `${what}: the file is not a usable SQLite database (${message}). Restore it from a backup or point the ` +
          'store at another file',
        options,
      );
    case 'SQLITE_FULL':
      return new StoreAccessError(`${what}: the disk is full (${message}). Free space, then retry`, options);
    case 'SQLITE_IOERR':
      return new StoreUnavailableError(`${what}: I/O error (${message})`, options);
    default:
      return new StoreOperationError(`${what}: ${message}`, options);
  }
}
