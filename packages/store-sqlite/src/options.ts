/** Options of the SQLite store: types with their defaults, validation, and the `sqlite:` URL form. */
import {
  type BaseStoreOptions,
  type CommonStoreOptions,
  DEFAULT_HISTORY_CACHE_BYTES,
  DEFAULT_MAX_DOCUMENT_BYTES,
  InvalidArgumentError,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  readUrlParams,
  type StoreUrl,
  timeoutOption,
} from '@agent-sessions/core/adapter';
import type Database from 'better-sqlite3';

export const BACKEND = 'sqlite';
/** Default table name (the messages and meta tables are named after it). */
export const DEFAULT_TABLE = 'agent_sessions';
/** Default time a write waits for another connection's lock before failing with StoreUnavailableError. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/**
 * SQLite's default SQLITE_MAX_LENGTH: the largest text one row can hold. A whole-document save writes the history as
 * one row, so no document may be larger.
 */
export const SQLITE_MAX_LENGTH = 1_000_000_000;
/** The path that opens a private in-memory database. */
export const MEMORY_PATH = ':memory:';

/**
 * Identifiers are validated, then double-quoted wherever they appear in SQL. 63 characters keeps the same names
 * valid in PostgreSQL, so one naming scheme works across the SQL backends.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `PRAGMA synchronous` levels the store accepts. */
export type SynchronousMode = 'full' | 'normal';

/** Options of SqliteSessionStore; only `path` is required. */
export interface SqliteStoreOptions extends BaseStoreOptions, CommonStoreOptions {
  /**
   * The database file (created with its tables when missing; its folder must exist), or `":memory:"` for a private
   * in-memory database. Exactly one of `path` and `database` is required.
   */
  path?: string;
  /**
   * An open better-sqlite3 connection. The store uses it as it is and `close()` leaves it open: its owner closes it.
   * The store still switches the file to WAL (a property of the file, needed for concurrent readers).
   */
  database?: Database.Database;
  /**
   * Table that holds the sessions. The store also creates `<table>_messages` and `<table>_meta`. Must match
   * `^[A-Za-z_][A-Za-z0-9_]{0,62}$`. Default `"agent_sessions"`.
   */
  table?: string;
  /**
   * `false` opens an existing store only, for readers that must not leave anything behind (the CLI's `ls`, `show`,
   * `export`, `serve`): a missing database file is a StoreNotFoundError naming it (no file is created), and a
   * database without this store's tables is one too (no table is created); the file is not switched to WAL either.
   * URL: `?create=false`. Default `true`.
   */
  create?: boolean;
  /**
   * How long (ms) an operation waits for another connection's write lock before failing with StoreUnavailableError.
   * Default 5000. With `database`, applied only when given (the connection keeps its own setting otherwise).
   * better-sqlite3 is synchronous: the wait blocks the event loop, so keep it short.
   */
  busyTimeoutMs?: number;
  /**
   * `PRAGMA synchronous`: `"full"` (default, SQLite's own) syncs the WAL on every commit, so a committed save
   * survives power loss; `"normal"` syncs at checkpoints only: faster, still never corrupt, but the last commits may
   * roll back after a power cut (not after a process crash). With `database`, applied only when given.
   */
  synchronous?: SynchronousMode;
  /**
   * The largest encoded document `save` and `appendMessages` accept (SessionTooLargeError above it, before anything
   * is written). Default 256 MiB; at most 1,000,000,000 (SQLite's longest text value).
   */
  maxDocumentBytes?: number;
  /**
   * Characters of message text this store keeps of the sessions it last read or wrote (default 64 Mi; 0: none), so
   * a save of a session it knows compares messages by value instead of serializing and hashing the whole history.
   */
  historyCacheBytes?: number;
}

/** Options after validation; frozen. */
export interface ResolvedSqliteOptions {
  /** The database file the store opens, or null when it was given a connection. */
  readonly path: string | null;
  /** The connection the store was given, or null when it opens `path`. */
  readonly database: Database.Database | null;
  /** Resolved `table` (see SqliteStoreOptions). */
  readonly table: string;
  readonly create: boolean;
  /** null: leave the connection's setting alone (a caller's connection without an explicit option). */
  readonly busyTimeoutMs: number | null;
  /** Resolved `synchronous` (see SqliteStoreOptions). */
  readonly synchronous: SynchronousMode | null;
  /** Resolved `operationTimeoutMs` (see SqliteStoreOptions). */
  readonly operationTimeoutMs: number | null;
  /** Resolved `maxDocumentBytes` (see SqliteStoreOptions). */
  readonly maxDocumentBytes: number;
  /** Resolved `historyCacheBytes` (see SqliteStoreOptions). */
  readonly historyCacheBytes: number;
}

/** Throws InvalidArgumentError unless `name` is a plain SQL identifier. */
export function assertIdentifier(argument: string, name: unknown): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name))
    throw new InvalidArgumentError(
      argument,
      `expected 1 to 63 letters, digits or underscores not starting with a digit, got ${JSON.stringify(name)}`,
      { backend: BACKEND },
    );
  return name;
}

function isDatabase(value: unknown): value is Database.Database {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { prepare?: unknown }).prepare === 'function' &&
    typeof (value as { transaction?: unknown }).transaction === 'function'
  );
}

/** Exactly one of a usable path and an open better-sqlite3 connection. */
function checkSource(options: SqliteStoreOptions): Pick<SqliteStoreOptions, 'path' | 'database'> {
  const { path, database } = options;
  if ((path === undefined) === (database === undefined))
    throw new InvalidArgumentError('options', 'pass exactly one of path (a file or ":memory:") and database', {
      backend: BACKEND,
    });
  if (path !== undefined && (typeof path !== 'string' || path === '' || path.includes('\u0000')))
    throw new InvalidArgumentError('path', `expected a file path or ":memory:", got ${JSON.stringify(path)}`, {
      backend: BACKEND,
    });
  if (database !== undefined && !isDatabase(database))
    throw new InvalidArgumentError('database', 'expected an open better-sqlite3 Database', { backend: BACKEND });
  if (database?.open === false)
    throw new InvalidArgumentError('database', 'the connection is closed; pass an open one', { backend: BACKEND });
  return { path, database };
}

export function resolveOptions(options: SqliteStoreOptions | undefined): ResolvedSqliteOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('options', 'expected an object such as { path: "./sessions.db" }', {
      backend: BACKEND,
    });
  const { path, database } = checkSource(options);
  const synchronous = options.synchronous;
  if (synchronous !== undefined && synchronous !== 'full' && synchronous !== 'normal')
    throw new InvalidArgumentError('synchronous', `expected "full" or "normal", got ${String(synchronous)}`, {
      backend: BACKEND,
    });
  const maxDocumentBytes = positiveIntegerOption(
    'maxDocumentBytes',
    options.maxDocumentBytes,
    DEFAULT_MAX_DOCUMENT_BYTES,
    BACKEND,
  );
  if (maxDocumentBytes > SQLITE_MAX_LENGTH)
    throw new InvalidArgumentError('maxDocumentBytes', `SQLite holds at most ${SQLITE_MAX_LENGTH} bytes in one row`, {
      backend: BACKEND,
    });
  const owned = database === undefined;
  return Object.freeze({
    path: path ?? null,
    database: database ?? null,
    table: assertIdentifier('table', options.table ?? DEFAULT_TABLE),
    create: createOption(options.create),
    busyTimeoutMs:
      options.busyTimeoutMs === undefined && !owned
        ? null
        : positiveIntegerOption('busyTimeoutMs', options.busyTimeoutMs, DEFAULT_BUSY_TIMEOUT_MS, BACKEND),
    synchronous: synchronous ?? (owned ? 'full' : null),
    operationTimeoutMs: timeoutOption('operationTimeoutMs', options.operationTimeoutMs, null, BACKEND),
    maxDocumentBytes,
    historyCacheBytes: nonNegativeIntegerOption(
      'historyCacheBytes',
      options.historyCacheBytes,
      DEFAULT_HISTORY_CACHE_BYTES,
      BACKEND,
    ),
  });
}

/** The query parameters of a `sqlite:` URL: the options of the same names. */
function createOption(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean')
    throw new InvalidArgumentError('create', `expected true or false, got ${String(value)}`, { backend: BACKEND });
  return value;
}

const URL_PARAMS = {
  table: { type: 'string' },
  create: { type: 'boolean' },
  busyTimeoutMs: { type: 'integer' },
  synchronous: { type: 'enum', values: ['full', 'normal'] },
  operationTimeoutMs: { type: 'integer' },
  maxDocumentBytes: { type: 'integer' },
  historyCacheBytes: { type: 'count' },
} as const;

/**
 * `sqlite:./relative.db` (relative to the working directory), `sqlite:/absolute.db`, `sqlite:///absolute.db`,
 * `sqlite::memory:`; query parameters as in URL_PARAMS. The path is taken as written (no percent-decoding), so any
 * file name works.
 */
export function optionsFromUrl(url: StoreUrl): SqliteStoreOptions {
  let path = url.location;
  if (path.startsWith('//')) {
    // sqlite:///abs.db is the URL-style spelling of /abs.db; a host part means nothing to a local file.
    if (!path.startsWith('///'))
      throw new InvalidArgumentError(
        'store URL',
        `"${url.href}" names a host; use sqlite:./file.db, sqlite:/absolute/file.db or sqlite::memory:`,
        { backend: BACKEND },
      );
    path = path.slice(2);
  }
  if (path === '')
    throw new InvalidArgumentError('store URL', `"${url.href}" has no file; use e.g. sqlite:./sessions.db`, {
      backend: BACKEND,
    });
  const { values } = readUrlParams(url, URL_PARAMS, BACKEND);
  return { path, ...values, synchronous: values.synchronous as SynchronousMode | undefined };
}
