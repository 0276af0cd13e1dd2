/**
 * Versioned schema changes. The position in MIGRATIONS is the version (the first is 1); applied versions are
 * recorded in `<table>_migrations`. Several processes may start at once: each takes a transaction-scoped advisory
 * lock before it looks at the schema, so one applies the migrations and the others find them done. A
 * transaction-scoped lock (not a session lock) is released by COMMIT, so it works through PgBouncer's
 * transaction pooling, where consecutive statements of a session may run on different server connections.
 */
import { StoreAccessError } from '@agent-sessions/core/adapter';
import type { Executor, Runner } from './executor.js';
import { notCreatedError } from './existing.js';
import { BACKEND } from './options.js';
import { type QuotedNames, quoteNames, type TableNames } from './sql.js';

/** One schema version: its description and the statements that apply it. */
export interface Migration {
  /** What it does, recorded beside the version. */
  description: string;
  /** The SQL statements of this version, for the quoted names of one store's tables. */
  statements(q: QuotedNames): string[];
}

/** Every schema version in order; version n is `MIGRATIONS[n - 1]`. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    description: 'sessions (head JSON, summary columns, revision) and messages (one row per message)',
    statements: (q) => [
      // JSON is kept as text, not jsonb: jsonb (and text holding a raw NUL) refuse U+0000, which a message may
      // contain; JSON.stringify writes it as the escape \u0000, which text keeps as six plain characters.
      // For the same reason, and because pg would turn a lone surrogate into U+FFFD, the name and parent_id summary
      // columns hold JSON string literals (JSON.stringify escapes both). COLLATE "C" orders ids by UTF-8 bytes, the
      // order core's compareIds uses; ids cannot hold NUL or lone surrogates, so they are stored as they are.
      `CREATE TABLE ${q.sessions} (
        id text COLLATE "C" NOT NULL PRIMARY KEY,
        revision bigint NOT NULL,
        name_json text NOT NULL,
        state text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        parent_id_json text COLLATE "C",
        message_count integer NOT NULL,
        messages_digest text NOT NULL,
        document_bytes bigint NOT NULL,
        head text NOT NULL
      )`,
      `CREATE TABLE ${q.messages} (
        session_id text COLLATE "C" NOT NULL,
        seq integer NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (session_id, seq)
      )`,
    ],
  },
  {
    description: 'listing indexes: recent first, and by parent',
    statements: (q) => [
      `CREATE INDEX ${q.listIndex} ON ${q.sessions} (updated_at DESC, id COLLATE "C" ASC)`,
      `CREATE INDEX ${q.parentIndex} ON ${q.sessions} (parent_id_json, updated_at DESC, id COLLATE "C" ASC)
        WHERE parent_id_json IS NOT NULL`,
    ],
  },
  {
    description:
      'message segments: a row holds message_count consecutive messages from seq, their JSON joined by commas',
    statements: (q) => [
      // A row of version 1 is the segment of one message at its index, so existing histories read on unchanged.
      // Adding a column with a constant default rewrites nothing (PostgreSQL 11+ stores the default once).
      `ALTER TABLE ${q.messages} ADD COLUMN message_count integer NOT NULL DEFAULT 1`,
    ],
  },
  {
    description: 'LZ4 compression of message segments (PostgreSQL 14+ built with lz4; otherwise left as it is)',
    statements: (q) => [
      // A segment is large JSON text, which TOAST compresses: LZ4 compresses a 100 KB history about twice as fast as
      // the default pglz, to about the same size, and reads it back faster. It applies to values written from now
      // on; older ones stay readable as they are. A server without it keeps pglz: the error is caught here, and the
      // statement runs through EXECUTE so that an older server's parser never sees the syntax.
      `DO $migration$
      BEGIN
        IF current_setting('server_version_num')::integer >= 140000 THEN
          EXECUTE 'ALTER TABLE ${q.messages} ALTER COLUMN body SET COMPRESSION lz4';
        END IF;
      EXCEPTION WHEN feature_not_supported THEN
        NULL;
      END
      $migration$`,
    ],
  },
  {
    description: 'keyed-append records (idempotencyKey) beside the session',
    // Text, not jsonb, like every JSON column here; null until the session's first keyed append.
    statements: (q) => [`ALTER TABLE ${q.sessions} ADD COLUMN append_keys text`],
  },
]);

/** The schema version this release creates and upgrades to. */
export const LATEST_VERSION = MIGRATIONS.length;

/** Server encodings that keep every UTF-8 string exactly (SQL_ASCII stores bytes as they come). */
const ENCODINGS = new Set(['UTF8', 'SQL_ASCII']);

function lockKey(names: TableNames): string {
  // One lock per schema: CREATE SCHEMA IF NOT EXISTS races between stores of different tables too.
  return `agent-sessions migrate ${names.schema}`;
}

/** A statement runner bound to one transaction. */
export type Transaction = Runner;

function tooNew(names: TableNames, version: number): StoreAccessError {
  return new StoreAccessError(
    `postgres: table ${names.schema}.${names.table} is at schema version ${version}, newer than this ` +
      `@agent-sessions/store-postgres knows (${LATEST_VERSION}); upgrade the package in this application`,
    { backend: BACKEND },
  );
}

/** The applied version, or null when the migrations table does not exist yet. One statement, no lock. */
export async function currentVersion(run: Runner, names: TableNames): Promise<number | null> {
  const q = quoteNames(names);
  try {
    const rows = await run<{ v: number | null }>(`SELECT max(version) AS v FROM ${q.migrations}`, []);
    return rows[0]?.v ?? 0;
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: nothing was migrated here yet.
    const code = (error as { code?: unknown }).code;
    if (code === '42P01' || code === '3F000') return null;
    throw error;
  }
}

/**
 * Brings the tables to `target` (default: the latest version) inside the caller's transaction; returns the
 * versions applied. Holds the advisory lock until that transaction ends.
 */
export async function migrate(tx: Transaction, names: TableNames, target: number = LATEST_VERSION): Promise<number[]> {
  const q = quoteNames(names);
  await tx('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(names)]);
  const [encoding] = await tx<{ encoding: string; schema: boolean }>(
    `SELECT current_setting('server_encoding') AS encoding,
      EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema`,
    [names.schema],
  );
  if (encoding && !ENCODINGS.has(encoding.encoding))
    throw new StoreAccessError(
      `postgres: the database encoding is ${encoding.encoding}; session documents need UTF8 ` +
        "(CREATE DATABASE … ENCODING 'UTF8')",
      { backend: BACKEND },
    );
  // CREATE SCHEMA needs the CREATE privilege on the database even when the schema exists: only ask when missing.
  if (encoding && !encoding.schema) await tx(`CREATE SCHEMA IF NOT EXISTS ${q.schema}`, []);
  await tx(
    `CREATE TABLE IF NOT EXISTS ${q.migrations} (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
    [],
  );
  const [row] = await tx<{ v: number | null }>(`SELECT max(version) AS v FROM ${q.migrations}`, []);
  const from = row?.v ?? 0;
  if (from > LATEST_VERSION) throw tooNew(names, from);
  const applied: number[] = [];
  for (let version = from + 1; version <= target; version++) {
    const migration = MIGRATIONS[version - 1] as Migration;
    for (const statement of migration.statements(q)) await tx(statement, []);
    await tx(`INSERT INTO ${q.migrations} (version, description) VALUES ($1, $2)`, [version, migration.description]);
    applied.push(version);
  }
  return applied;
}

/** Throws when the stored version is newer than this package. */
export function assertKnownVersion(names: TableNames, version: number): void {
  if (version > LATEST_VERSION) throw tooNew(names, version);
}

/**
 * Makes sure the tables are at the latest version before the first operation: one statement and no lock when they
 * are (the usual case); else migrates in a transaction, or, with `create` false, refuses naming what is missing.
 */
export async function ensureTables(
  executor: Executor,
  names: TableNames,
  create: boolean,
  deadline: number,
): Promise<void> {
  const version = await currentVersion((text, values) => executor.query(deadline, text, values), names);
  if (version !== null && version >= LATEST_VERSION) {
    assertKnownVersion(names, version);
    return;
  }
  if (!create) throw notCreatedError(names, version);
  await executor.transaction(deadline, (tx) => migrate(tx, names));
}
