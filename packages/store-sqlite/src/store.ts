/**
 * SqliteSessionStore: backend I/O only (the rules are core's SegmentedSessionStore). A session is a row of head JSON
 * + summary columns + revision, plus one segment row per write that added messages. Every write runs in one
 * `BEGIN IMMEDIATE` transaction: the checks and the write happen under SQLite's write lock, which also serializes
 * other processes on the same file. better-sqlite3 is synchronous, so each call is also atomic within the process.
 */
import {
  type Committed,
  type CommonStoreOptions,
  type ListQuery,
  type ListSessionsResult,
  listingRow,
  type ResolvedWindow,
  type SegmentAppend,
  SegmentedSessionStore,
  type SegmentState,
  type SegmentTruncate,
  type SegmentWrite,
  SessionCorruptError,
  type SessionStoreError,
  type StoredParts,
  type StoredSegments,
  type StoredState,
  type StoreUrl,
  toPage,
} from '@agent-sessions/core/adapter';
import type Database from 'better-sqlite3';
import { type Connection, openConnection } from './connection.js';
import { mapSqliteError } from './errors.js';
import { readSegments, type SegmentsRead } from './history.js';
import {
  BACKEND,
  optionsFromUrl,
  type ResolvedSqliteOptions,
  resolveOptions,
  type SqliteStoreOptions,
} from './options.js';
import { type HeadRow, type SegmentRow, type StateRow, toSummary } from './rows.js';
import { appendRows, listRows, readRows, removeRows, truncateRows, writeRows } from './transactions.js';

/** Sessions in one SQLite file over better-sqlite3 (WAL): a head row per session plus message segments. */
export class SqliteSessionStore extends SegmentedSessionStore {
  readonly backendName = BACKEND;
  /** The resolved, frozen options. */
  readonly options: ResolvedSqliteOptions;
  /** The better-sqlite3 connection (yours when you passed one in). */
  readonly database: Database.Database;
  readonly #c: Connection;
  // Transaction functions are built once: better-sqlite3's db.transaction() costs about 0.1 ms per call, as much as
  // a whole 10-message save, so building one per operation would dominate small writes and loads.
  readonly #tx: {
    write: Database.Transaction<(write: SegmentWrite<SegmentState>) => Committed<SegmentState>>;
    append: Database.Transaction<(append: SegmentAppend<SegmentState>) => Committed<SegmentState>>;
    remove: Database.Transaction<(id: string) => boolean>;
    read: Database.Transaction<(id: string) => { head: HeadRow; segments: SegmentRow[] } | null>;
    range: Database.Transaction<(id: string, window: ResolvedWindow) => SegmentsRead | null>;
    truncate: Database.Transaction<(t: SegmentTruncate<SegmentState>) => Committed<SegmentState>>;
  };

  /** Opens (and creates or upgrades) the database now: a missing or unwritable folder fails here, clearly. */
  constructor(options: SqliteStoreOptions | string) {
    const resolved = resolveOptions(typeof options === 'string' ? { path: options } : options);
    super({
      encryption: typeof options === 'string' ? undefined : options.encryption,
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { atomicRevisions: true, maxDocumentBytes: resolved.maxDocumentBytes },
      historyCacheBytes: resolved.historyCacheBytes,
    });
    this.options = resolved;
    this.#c = openConnection(resolved);
    const db = this.#c.db;
    this.database = db;
    this.#tx = {
      write: db.transaction((write: SegmentWrite<SegmentState>) => writeRows(this.#c, write)),
      append: db.transaction((append: SegmentAppend<SegmentState>) => appendRows(this.#c, append)),
      remove: db.transaction((id: string) => removeRows(this.#c, id)),
      read: db.transaction((id: string) => readRows(this.#c, id)),
      range: db.transaction((id: string, window: ResolvedWindow) => readSegments(this.#c, id, window)),
      truncate: db.transaction((t: SegmentTruncate<SegmentState>) => truncateRows(this.#c, t)),
    };
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    return mapSqliteError(error, operation, this.#c.where, sessionId);
  }

  #record(id: string): string {
    return `${this.#c.where}/${JSON.stringify(id)}`;
  }

  // ---- the I/O steps -----------------------------------------------------------------------------------------------
  protected async readState(id: string): Promise<StoredState<SegmentState> | null> {
    const row = this.#c.sql.readState.get(id) as (StateRow & { head: string }) | undefined;
    if (row === undefined) return null;
    return {
      revision: row.revision,
      bytes: row.document_bytes,
      state: { count: row.message_count, digest: row.messages_digest },
      head: { json: row.head, record: this.#record(id) },
    };
  }

  protected async readParts(id: string): Promise<StoredParts<SegmentState> | null> {
    // One read transaction: the head and the messages come from the same snapshot.
    const rows = this.#tx.read.deferred(id);
    if (rows === null) return null;
    const record = this.#record(id);
    const held = rows.segments.reduce((sum, segment) => sum + segment.message_count, 0);
    if (held !== rows.head.message_count)
      throw new SessionCorruptError(
        record,
        `it records ${rows.head.message_count} messages but its segments hold ${held}`,
        {
          backend: BACKEND,
          sessionId: id,
        },
      );
    return {
      revision: rows.head.revision,
      state: { count: held, digest: rows.head.messages_digest },
      headJson: rows.head.head,
      messagesText: rows.segments.map((segment) => segment.json).join(','),
      record,
    };
  }

  protected async commitWrite(write: SegmentWrite<SegmentState>): Promise<Committed<SegmentState>> {
    return this.#tx.write.immediate(write);
  }

  protected async commitAppend(append: SegmentAppend<SegmentState>): Promise<Committed<SegmentState>> {
    return this.#tx.append.immediate(append);
  }

  protected override async readSegments(
    id: string,
    window: ResolvedWindow,
  ): Promise<StoredSegments<SegmentState> | null> {
    const read = this.#tx.range.deferred(id, window);
    if (read === null) return null;
    const { head, segments } = read;
    const state = { count: head.message_count, digest: head.messages_digest };
    return { revision: head.revision, state, headJson: head.head, record: this.#record(id), segments };
  }

  protected override async commitTruncate(t: SegmentTruncate<SegmentState>): Promise<Committed<SegmentState>> {
    return this.#tx.truncate.immediate(t);
  }

  protected async deleteSession(id: string): Promise<boolean> {
    return this.#tx.remove.immediate(id);
  }

  // ---- listing and the rest ----------------------------------------------------------------------------------------
  protected override async hasSession(id: string): Promise<boolean> {
    return this.#c.sql.exists.get(id) !== undefined;
  }

  protected async listIds(): Promise<string[]> {
    return this.#c.sql.listIds.pluck().all() as string[];
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    const rows = listRows(this.#c, query);
    return toPage(
      rows.map((r) => listingRow(r, this.#record(r.id), BACKEND, () => toSummary(r))),
      query.limit,
    );
  }

  protected async ping(): Promise<void> {
    // A real write under the write lock, rolled back: a read-only file or folder fails here, not at the first save.
    const probe = this.database.transaction(() => {
      this.database
        .prepare(`INSERT OR REPLACE INTO ${this.#c.names.meta} (key, value) VALUES ('health_check', 0)`)
        .run();
      throw ROLLBACK;
    });
    try {
      probe.immediate();
    } catch (error) {
      if (error !== ROLLBACK) throw error;
    }
  }

  protected async closeResources(): Promise<void> {
    if (this.#c.owns && this.database.open) this.database.close();
  }
}

const ROLLBACK = Symbol('rollback');

/** Creates a SQLite session store (see SqliteStoreOptions). */
export function createSqliteStore(options: SqliteStoreOptions | string): SqliteSessionStore {
  return new SqliteSessionStore(options);
}

/** `openSessionStore('sqlite:./sessions.db?table=…')`: see the README for the parameters. */
export function openFromUrl(url: StoreUrl, options: CommonStoreOptions = {}): SqliteSessionStore {
  return new SqliteSessionStore({ ...optionsFromUrl(url), ...options });
}
