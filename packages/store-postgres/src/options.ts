/** Options of the PostgreSQL store: types with defaults, validation (InvalidArgumentError) and URL → options. */
import {
  type CommonStoreOptions,
  DEFAULT_HISTORY_CACHE_BYTES,
  DEFAULT_OPERATION_TIMEOUT_MS,
  InvalidArgumentError,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  readUrlParams,
  type StoreUrl,
} from '@agent-sessions/core/adapter';
import type { Client, Pool, PoolConfig } from 'pg';

export const BACKEND = 'postgres';
/** Default schema. */
export const DEFAULT_SCHEMA = 'public';
/** Default table name; the store also uses `<table>_messages` and `<table>_migrations`. */
export const DEFAULT_TABLE = 'agent_sessions';
/**
 * Default largest document, in bytes of JSON. A save sends its new messages as one JSON parameter and a load gets
 * them back as one text value, so the limit stays well below V8's string length and PostgreSQL's 1 GB per value.
 */
export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** A plain SQL identifier: quoted everywhere it is used, so upper case is kept as written. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Options of PostgresSessionStore: a connection string, pool or client, and the store's own settings. */
export interface PostgresStoreOptions extends CommonStoreOptions {
  /**
   * A connection string (`postgres://user:password@host:5432/database`). The store creates a `pg.Pool` from it and
   * ends it on `close()`. Give exactly one of `connectionString`, `pool` and `client`.
   */
  connectionString?: string;
  /** An existing `pg.Pool`. The store never ends it: `close()` leaves it to its owner. */
  pool?: Pool;
  /**
   * An existing, connected `pg.Client`. The store uses it for one statement or transaction at a time (an internal
   * queue) and never ends it. Prefer a pool: one client serializes every operation.
   */
  client?: Client;
  /** Extra `pg.Pool` settings for the pool the store creates from `connectionString` (e.g. `max`, `ssl`). Default `{}`. */
  poolConfig?: Omit<PoolConfig, 'connectionString'>;
  /** Schema of the store's tables; created when missing. Default `"public"`. Must match `^[A-Za-z_][A-Za-z0-9_]{0,62}$`. */
  schema?: string;
  /**
   * Sessions table; the store also creates `<table>_messages` and `<table>_migrations` (shortened with a hash when
   * longer than 63 characters). Default `"agent_sessions"`. Must match `^[A-Za-z_][A-Za-z0-9_]{0,62}$`.
   */
  table?: string;
  /**
   * `false` opens an existing store only, for readers that must not leave anything behind (the CLI's `ls`, `show`,
   * `export`, `serve`): no schema or table is created and no migration runs; when the tables are missing (or need an
   * upgrade) the first operation throws StoreNotFoundError naming them. URL: `?create=false`. Default `true`.
   */
  create?: boolean;
  /**
   * Time limit of each operation in ms, connecting included. Also the `connectionTimeoutMillis` and `query_timeout`
   * of the pool the store creates, and the `query_timeout` of each statement on a pool or client you pass. Default
   * 10000.
   */
  operationTimeoutMs?: number;
  /** Largest document accepted by `save`, in bytes of JSON (SessionTooLargeError above it). Default 64 MiB. */
  maxDocumentBytes?: number;
  /**
   * Characters of message text this store keeps of the sessions it last read or wrote (default 64 Mi; 0: none), so
   * a save of a session it knows compares messages by value instead of serializing and hashing the whole history.
   * URL parameter `historyCacheBytes`.
   */
  historyCacheBytes?: number;
}

export type PostgresConnection =
  | { kind: 'connectionString'; connectionString: string; poolConfig: Omit<PoolConfig, 'connectionString'> }
  | { kind: 'pool'; pool: Pool }
  | { kind: 'client'; client: Client };

/** The options a store runs with: every default filled in, frozen. */
export interface ResolvedPostgresOptions {
  /** What the store talks through: a connection string (it makes a pool from it), or the pool or client it was given. */
  readonly connection: PostgresConnection;
  /** Resolved `schema` (see PostgresStoreOptions). */
  readonly schema: string;
  /** Resolved `table` (see PostgresStoreOptions). */
  readonly table: string;
  readonly create: boolean;
  /** Resolved `operationTimeoutMs` (see PostgresStoreOptions). */
  readonly operationTimeoutMs: number;
  /** Resolved `maxDocumentBytes` (see PostgresStoreOptions). */
  readonly maxDocumentBytes: number;
  /** Resolved `historyCacheBytes` (see PostgresStoreOptions). */
  readonly historyCacheBytes: number;
}

function invalid(name: string, reason: string): InvalidArgumentError {
  return new InvalidArgumentError(name, reason, { backend: BACKEND });
}

/** Validates a schema or table name; only these names reach SQL, always double-quoted. */
export function validateIdentifier(name: string, value: unknown): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value))
    throw invalid(
      name,
      `${JSON.stringify(value)} is not a plain identifier; use letters, digits and _ (not first), at most 63 characters`,
    );
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function resolveConnection(options: PostgresStoreOptions): PostgresConnection {
  const given = (['connectionString', 'pool', 'client'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1)
    throw invalid(
      'connection',
      given.length === 0
        ? 'give one of connectionString, pool or client'
        : `give only one of connectionString, pool or client (got ${given.join(', ')})`,
    );
  if (options.connectionString !== undefined) {
    if (typeof options.connectionString !== 'string' || !/^postgres(ql)?:\/\//i.test(options.connectionString))
      throw invalid('connectionString', 'expected a postgres:// or postgresql:// URL');
    if (options.poolConfig !== undefined && !isObject(options.poolConfig))
      throw invalid('poolConfig', 'expected an object of pg.Pool settings');
    return {
      kind: 'connectionString',
      connectionString: options.connectionString,
      poolConfig: options.poolConfig ?? {},
    };
  }
  if (options.poolConfig !== undefined)
    throw invalid('poolConfig', 'only applies to the pool the store creates from connectionString');
  if (options.pool !== undefined) {
    const pool = options.pool as unknown;
    if (!isObject(pool) || typeof pool.connect !== 'function' || typeof pool.query !== 'function')
      throw invalid('pool', 'expected a pg.Pool');
    return { kind: 'pool', pool: options.pool };
  }
  const client = options.client as unknown;
  if (!isObject(client) || typeof client.query !== 'function')
    throw invalid('client', 'expected a connected pg.Client');
  return { kind: 'client', client: options.client as Client };
}

function createOption(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw invalid('create', `expected true or false, got ${String(value)}`);
  return value;
}

/** Validates options, fills defaults and freezes the result. */
export function resolveOptions(options: PostgresStoreOptions | string): ResolvedPostgresOptions {
  const opts: PostgresStoreOptions = typeof options === 'string' ? { connectionString: options } : options;
  if (!isObject(opts)) throw invalid('options', 'expected an object such as { connectionString: "postgres://…" }');
  return Object.freeze({
    connection: resolveConnection(opts),
    schema: validateIdentifier('schema', opts.schema ?? DEFAULT_SCHEMA),
    table: validateIdentifier('table', opts.table ?? DEFAULT_TABLE),
    create: createOption(opts.create),
    operationTimeoutMs: positiveIntegerOption(
      'operationTimeoutMs',
      opts.operationTimeoutMs,
      DEFAULT_OPERATION_TIMEOUT_MS,
      BACKEND,
    ),
    maxDocumentBytes: positiveIntegerOption(
      'maxDocumentBytes',
      opts.maxDocumentBytes,
      DEFAULT_MAX_DOCUMENT_BYTES,
      BACKEND,
    ),
    historyCacheBytes: nonNegativeIntegerOption(
      'historyCacheBytes',
      opts.historyCacheBytes,
      DEFAULT_HISTORY_CACHE_BYTES,
      BACKEND,
    ),
  });
}

/**
 * The store's query parameters in a `postgres://` URL: the options of the same names. Everything else goes to pg
 * untouched (it passes unknown ones to the server as startup parameters, which PostgreSQL and PgBouncer refuse, so the
 * store's own are removed first).
 */
const URL_PARAMS = {
  schema: { type: 'string' },
  create: { type: 'boolean' },
  table: { type: 'string' },
  operationTimeoutMs: { type: 'integer' },
  maxDocumentBytes: { type: 'integer' },
  historyCacheBytes: { type: 'count' },
} as const;

/** `postgres://…?schema=&table=&…` → options. */
export function optionsFromUrl(url: StoreUrl): PostgresStoreOptions {
  if (url.scheme !== 'postgres' && url.scheme !== 'postgresql')
    throw invalid('store URL', `expected postgres:// or postgresql://, got "${url.scheme}:"`);
  const { values, rest } = readUrlParams(url, URL_PARAMS, BACKEND, { passThrough: true });
  const query = rest.toString();
  return { ...values, connectionString: `${url.scheme}:${url.location}${query === '' ? '' : `?${query}`}` };
}
