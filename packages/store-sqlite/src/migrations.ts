/**
 * Versioned schema migrations. The list only grows: the position of a migration is its version (the first is 1),
 * and a database records the version it reached in `<table>_meta`. Migrations run inside one `BEGIN IMMEDIATE`
 * transaction, so two processes opening a new database at the same moment serialize on SQLite's write lock: the
 * second waits (busy timeout), re-reads the version and finds nothing left to do. DDL is transactional in SQLite, so
 * a process killed mid-migration leaves the previous version intact.
 */
import { StoreAccessError } from '@agent-sessions/core/adapter';
import type Database from 'better-sqlite3';
import { BACKEND } from './options.js';
import type { SqlNames } from './sql.js';

export interface Migration {
  /** What the step changes, for people reading the history. */
  readonly description: string;
  /** The statements of the step. */
  sql(n: SqlNames): string;
}

/** Every schema version in order; version n is `MIGRATIONS[n - 1]`. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    description: 'sessions (head JSON + summary columns + revision) and message segments (one row per write)',
    // `key` is an integer alias of rowid, so message rows point at their session with 8 bytes instead of the id.
    // A message row is a segment: the messages one write added, as their JSON texts joined by commas, so a rewrite
    // is one row, an agent turn adds one row, and a load parses the whole history with one JSON.parse.
    // ids and parent ids compare as BINARY (UTF-8 bytes in a UTF-8 database): the order core's compareIds defines.
    // The summary's name and parent id are also kept as JSON text: JSON escapes a lone surrogate, which SQLite's
    // UTF-8 text would replace, so a summary always shows exactly what the document holds.
    sql: (n) => `
      CREATE TABLE ${n.sessions} (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL COLLATE BINARY UNIQUE,
        head TEXT NOT NULL,
        name_json TEXT NOT NULL,
        state TEXT NOT NULL,
        parent_id TEXT COLLATE BINARY,
        parent_id_json TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        message_count INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        messages_digest TEXT NOT NULL,
        document_bytes INTEGER NOT NULL
      );
      CREATE TABLE ${n.messages} (
        session_key INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        message_count INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (session_key, seq)
      );`,
  },
  {
    description: 'listing indexes: (updated_at DESC, id) for every page, (parent_id, updated_at DESC, id) for children',
    sql: (n) => `
      CREATE INDEX ${n.byUpdated} ON ${n.sessions} (updated_at DESC, id ASC);
      CREATE INDEX ${n.byParent} ON ${n.sessions} (parent_id, updated_at DESC, id ASC) WHERE parent_id IS NOT NULL;`,
  },
  {
    description: 'history slices and idempotent appends: each segment records its first index; keyed-append records',
    // `start` is indexed with the session key, so a slice finds its segments without reading the others; the
    // backfill sums the counts of the segments before each one.
    sql: (n) => `
      ALTER TABLE ${n.messages} ADD COLUMN start INTEGER NOT NULL DEFAULT 0;
      UPDATE ${n.messages} SET start = (SELECT coalesce(sum(p.message_count), 0) FROM ${n.messages} p
        WHERE p.session_key = ${n.messages}.session_key AND p.seq < ${n.messages}.seq);
      CREATE INDEX ${n.byStart} ON ${n.messages} (session_key, start);
      ALTER TABLE ${n.sessions} ADD COLUMN append_keys TEXT;`,
  },
]);

/** The version this package brings a database to. */
export const SCHEMA_VERSION = MIGRATIONS.length;

const VERSION_KEY = 'schema_version';

/** The version recorded in the database, 0 when it has none yet. Reads only: no lock is taken. */
export function readSchemaVersion(db: Database.Database, n: SqlNames): number {
  const metaName = `${n.table}_meta`;
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(metaName);
  if (exists === undefined) return 0;
  const row = db.prepare(`SELECT value FROM ${n.meta} WHERE key = ?`).get(VERSION_KEY) as { value: number } | undefined;
  return row?.value ?? 0;
}

/**
 * Brings the database to `target` (default: the latest). A database already there is only read, so opening one
 * takes no write lock (and works on a read-only connection). Returns the version reached.
 */
export function migrate(db: Database.Database, n: SqlNames, target: number = SCHEMA_VERSION): number {
  const check = (version: number) => {
    if (version > SCHEMA_VERSION)
      throw new StoreAccessError(
        `sqlite: table "${n.table}" is at schema version ${version}, newer than this @agent-sessions/store-sqlite ` +
          `understands (${SCHEMA_VERSION}); upgrade the package`,
        { backend: BACKEND },
      );
    return version;
  };
  if (check(readSchemaVersion(db, n)) >= target) return target;
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${n.meta} (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
    // Another process may have migrated while this one waited for the lock: start from what is recorded now.
    const current = check(readSchemaVersion(db, n));
    for (let version = current + 1; version <= target; version++)
      db.exec((MIGRATIONS[version - 1] as Migration).sql(n));
    if (current < target)
      db.prepare(
        `INSERT INTO ${n.meta} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ).run(VERSION_KEY, target);
    return Math.max(current, target);
  });
  return run.immediate();
}
