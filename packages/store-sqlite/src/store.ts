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
import { readSegments, recordKey, replayed, type SegmentsRead, truncate } from './history.js';
import {
  BACKEND,
  optionsFromUrl,
  type ResolvedSqliteOptions,
  resolveOptions,
  type SqliteStoreOptions,
} from './options.js';
import { type HeadRow, type SegmentRow, type StateRow, type SummaryRow, toSummary } from './rows.js';

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
      write: db.transaction((write: SegmentWrite<SegmentState>) => this.#write(write)),
      append: db.transaction((append: SegmentAppend<SegmentState>) => this.#append(append)),
      remove: db.transaction((id: string) => this.#remove(id)),
      read: db.transaction((id: string) => this.#read(id)),
      range: db.transaction((id: string, window: ResolvedWindow) => readSegments(this.#c, id, window)),
      truncate: db.transaction((t: SegmentTruncate<SegmentState>) => this.#truncate(t)),
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

  #read(id: string): { head: HeadRow; segments: SegmentRow[] } | null {
    const head = this.#c.sql.selectHead.get(id) as HeadRow | undefined;
    if (head === undefined) return null;
    return { head, segments: this.#c.sql.selectMessages.all(head.key) as SegmentRow[] };
  }

  protected async commitWrite(write: SegmentWrite<SegmentState>): Promise<Committed<SegmentState>> {
    return this.#tx.write.immediate(write);
  }

  /** Runs inside the write transaction. */
  #write(w: SegmentWrite<SegmentState>): Committed<SegmentState> {
    const { sql } = this.#c;
    const stored = sql.selectState.get(w.id) as StateRow | undefined;
    const guard = checkGuard(stored, w.base, w.expectedRevision);
    if (guard !== null) return guard;
    const revision = (stored?.revision ?? 0) + 1;
    const row = {
      id: w.id,
      head: w.headJson,
      name_json: JSON.stringify(w.summary.name),
      state: w.summary.state,
      parent_id: w.summary.parent_id,
      parent_id_json: JSON.stringify(w.summary.parent_id),
      created_at: w.summary.created_at,
      updated_at: w.summary.updated_at,
      message_count: w.count,
      revision,
      messages_digest: w.digest,
      document_bytes: w.documentBytes,
    };
    if (stored === undefined)
      this.#insertSegment(Number(sql.insertSession.run(row).lastInsertRowid), w.text, w.added, 0);
    else {
      sql.updateSession.run({ ...row, key: stored.key });
      if (w.rewrite) this.#rewriteSegments(stored.key, w.text, w.added);
      else this.#insertSegment(stored.key, w.text, w.added, w.from);
    }
    return { revision, state: { count: w.count, digest: w.digest } };
  }

  /** Adds one segment row of `count` messages from index `start` (nothing when there are none). */
  #insertSegment(key: number, text: string, count: number, start: number): void {
    if (count === 0) return;
    const seq = (this.#c.sql.lastSegment.pluck().get(key) as number) + 1;
    this.#c.sql.insertSegment.run(key, seq, count, text, start);
  }

  /** Replaces every segment of a session by one holding `count` messages (none when `count` is 0). */
  #rewriteSegments(key: number, text: string, count: number): void {
    const { sql } = this.#c;
    // Segment 0 exists whenever any does (the first segment of a session is 0 and rewrites keep it).
    if (count > 0 && sql.updateFirstSegment.run(count, text, key).changes === 1) sql.deleteLaterSegments.run(key);
    else {
      sql.deleteMessages.run(key);
      this.#insertSegment(key, text, count, 0);
    }
  }

  protected async commitAppend(append: SegmentAppend<SegmentState>): Promise<Committed<SegmentState>> {
    return this.#tx.append.immediate(append);
  }

  /** Runs inside the write transaction. */
  #append(a: SegmentAppend<SegmentState>): Committed<SegmentState> {
    const stored = this.#c.sql.selectState.get(a.id) as StateRow | undefined;
    if (stored === undefined) return 'stale';
    const replay = replayed(this.#c, stored, a.id, a.key);
    if (replay !== null) return { replayed: replay };
    const guard = checkGuard(stored, a.base, a.expectedRevision);
    if (guard !== null) return guard;
    const bytes = stored.document_bytes + a.addedBytes;
    if (bytes > a.maxDocumentBytes) return 'stale';
    const revision = stored.revision + 1;
    this.#c.sql.updateAppend.run({
      key: stored.key,
      message_count: a.count,
      revision,
      messages_digest: a.digest,
      document_bytes: bytes,
    });
    this.#insertSegment(stored.key, a.text, a.added, stored.message_count);
    recordKey(this.#c, stored.key, a.key, revision);
    return { revision, state: { count: a.count, digest: a.digest } };
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

  #truncate(t: SegmentTruncate<SegmentState>): Committed<SegmentState> {
    const stored = this.#c.sql.selectState.get(t.id) as StateRow | undefined;
    if (stored === undefined) return { conflict: null };
    return checkGuard(stored, t.base, t.expectedRevision) ?? truncate(this.#c, stored, t);
  }

  protected async deleteSession(id: string): Promise<boolean> {
    return this.#tx.remove.immediate(id);
  }

  #remove(id: string): boolean {
    const stored = this.#c.sql.selectState.get(id) as StateRow | undefined;
    if (stored === undefined) return false;
    this.#c.sql.deleteMessages.run(stored.key);
    this.#c.sql.deleteSession.run(stored.key);
    return true;
  }

  // ---- listing and the rest ----------------------------------------------------------------------------------------
  protected override async hasSession(id: string): Promise<boolean> {
    return this.#c.sql.exists.get(id) !== undefined;
  }

  protected async listIds(): Promise<string[]> {
    return this.#c.sql.listIds.pluck().all() as string[];
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    const { sql } = this.#c;
    const params = {
      limit: query.limit + 1,
      parent: query.parentId,
      updated: query.after?.updated_at ?? null,
      id: query.after?.id ?? null,
    };
    const statement =
      query.parentId === null
        ? query.after === null
          ? sql.listFirst
          : sql.listAfter
        : query.after === null
          ? sql.listParentFirst
          : sql.listParentAfter;
    const rows = statement.all(pick(statement, params)) as SummaryRow[];
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

/** The commit's answer when the stored row is not what the write expects, or null to go ahead. */
function checkGuard(
  stored: StateRow | undefined,
  base: SegmentState | null,
  expectedRevision: number | undefined,
): Committed<SegmentState> | null {
  if (expectedRevision !== undefined && (stored?.revision ?? 0) !== expectedRevision)
    return { conflict: stored?.revision ?? null };
  if (stored === undefined) return base === null ? null : 'stale';
  if (base === null || stored.message_count !== base.count || stored.messages_digest !== base.digest) return 'stale';
  return null;
}

/** better-sqlite3 refuses named parameters a statement does not use: pass only those it has. */
function pick(statement: Database.Statement, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of statement.source.match(/@\w+/g) ?? []) out[column.slice(1)] = params[column.slice(1)];
  return out;
}

/** Creates a SQLite session store (see SqliteStoreOptions). */
export function createSqliteStore(options: SqliteStoreOptions | string): SqliteSessionStore {
  return new SqliteSessionStore(options);
}

/** `openSessionStore('sqlite:./sessions.db?table=…')`: see the README for the parameters. */
export function openFromUrl(url: StoreUrl, options: CommonStoreOptions = {}): SqliteSessionStore {
  return new SqliteSessionStore({ ...optionsFromUrl(url), ...options });
}
