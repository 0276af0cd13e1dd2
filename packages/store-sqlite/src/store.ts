/**
 * SqliteSessionStore: backend I/O only. A session is a row of head JSON + summary columns + revision, plus one
 * segment row per write that added messages, so an agent turn inserts one small row, a whole-document save writes
 * one row, and listing never reads a document. Every write runs
 * in one `BEGIN IMMEDIATE` transaction: the revision check and the write happen under SQLite's write lock, which
 * also serializes other processes on the same file. better-sqlite3 is synchronous, so each call is also atomic
 * within the process.
 */
import {
  appendedSegmentBytes,
  assertRevision,
  BaseSessionStore,
  decodeSplitSession,
  digestSegment,
  documentBytesOf,
  headJsonOf,
  KnownHistories,
  type KnownPrefix,
  type ListQuery,
  type ListSessionsResult,
  type Message,
  type MessageLogState,
  nextRevision,
  planSegmentWrite,
  type SegmentPlan,
  SessionConflictError,
  SessionCorruptError,
  type SessionData,
  SessionNotFoundError,
  type SessionState,
  type SessionStoreError,
  type SessionSummary,
  SessionTooLargeError,
  type SessionWrite,
  type StoredSession,
  type StoreUrl,
  toPage,
} from '@agent-sessions/core';
import Database from 'better-sqlite3';
import { mapSqliteError } from './errors.js';
import { enableWal } from './journal.js';
import { migrate } from './migrations.js';
import {
  BACKEND,
  optionsFromUrl,
  type ResolvedSqliteOptions,
  resolveOptions,
  type SqliteStoreOptions,
} from './options.js';
import { type SqlNames, type StatementName, sqlNames, statements } from './sql.js';

interface StateRow {
  key: number;
  revision: number;
  message_count: number;
  messages_digest: string;
  document_bytes: number;
}

interface HeadRow {
  key: number;
  revision: number;
  message_count: number;
  messages_digest: string;
  head: string;
}

interface SummaryRow {
  id: string;
  name_json: string;
  state: string;
  created_at: number;
  updated_at: number;
  parent_id_json: string;
  message_count: number;
  revision: number;
}

interface ReadRows {
  head: HeadRow;
  segments: { message_count: number; json: string }[];
}

type Statements = { [K in StatementName]: Database.Statement };

/** What a committed write leaves for the history cache, which is updated only once the transaction commits. */
interface WriteResult {
  revision: number;
  before: MessageLogState | null;
  after: MessageLogState;
  /** For a save: how it was written. */
  plan?: SegmentPlan;
}

export class SqliteSessionStore extends BaseSessionStore {
  readonly backendName = BACKEND;
  readonly options: ResolvedSqliteOptions;
  /** The better-sqlite3 connection (yours when you passed one in). */
  readonly database: Database.Database;
  readonly #owns: boolean;
  readonly #names: SqlNames;
  readonly #sql: Statements;
  /** Where the data lives, for error messages and SessionCorruptError records. */
  readonly #where: string;
  /** What this store last read or wrote of each session, so a save skips the messages already stored. */
  readonly #known: KnownHistories;
  // Transaction functions are built once: better-sqlite3's db.transaction() costs about 0.1 ms per call, as much as
  // a whole 10-message save, so building one per operation would dominate small writes and loads.
  readonly #tx: {
    write: Database.Transaction<(write: SessionWrite, headJson: string) => WriteResult>;
    append: Database.Transaction<
      (id: string, messages: Message[], text: string, expectedRevision: number | undefined) => WriteResult
    >;
    remove: Database.Transaction<(id: string) => boolean>;
    read: Database.Transaction<(id: string) => ReadRows | null>;
  };

  /** Opens (and creates or upgrades) the database now: a missing or unwritable folder fails here, clearly. */
  constructor(options: SqliteStoreOptions | string) {
    const resolved = resolveOptions(typeof options === 'string' ? { path: options } : options);
    super({
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { atomicRevisions: true, maxDocumentBytes: resolved.maxDocumentBytes },
    });
    this.options = resolved;
    this.#names = sqlNames(resolved.table);
    this.#where = `sqlite:${resolved.path ?? resolved.database?.name ?? '?'}#${resolved.table}`;
    this.#owns = resolved.database === null;
    this.#known = new KnownHistories({ maxBytes: resolved.historyCacheBytes });
    let db: Database.Database | null = null;
    try {
      db = resolved.database ?? new Database(resolved.path as string);
      if (resolved.busyTimeoutMs !== null) db.pragma(`busy_timeout = ${resolved.busyTimeoutMs}`);
      if (db.name !== ':memory:' && !db.memory) {
        // A database passed in keeps its own busy timeout; the WAL switch waits as long as that.
        enableWal(db, resolved.busyTimeoutMs ?? Number(db.pragma('busy_timeout', { simple: true })));
      }
      if (resolved.synchronous !== null) db.pragma(`synchronous = ${resolved.synchronous.toUpperCase()}`);
      migrate(db, this.#names);
      const texts = statements(this.#names);
      this.#sql = Object.fromEntries(
        Object.entries(texts).map(([name, text]) => [name, (db as Database.Database).prepare(text)]),
      ) as Statements;
    } catch (error) {
      if (this.#owns && db?.open) db.close();
      throw mapSqliteError(error, 'open', this.#where, null);
    }
    this.database = db;
    this.#tx = {
      write: db.transaction((write: SessionWrite, headJson: string) => this.#writeRows(write, headJson)),
      append: db.transaction((id: string, messages: Message[], text: string, expected: number | undefined) =>
        this.#appendRows(id, messages, text, expected),
      ),
      remove: db.transaction((id: string) => this.#removeRows(id)),
      read: db.transaction((id: string) => this.#readRows(id)),
    };
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    return mapSqliteError(error, operation, this.#where, sessionId);
  }

  #record(id: string): string {
    return `${this.#where}/${JSON.stringify(id)}`;
  }

  // ---- writes ------------------------------------------------------------------------------------------------------
  // The document is measured after planning (inside the write transaction, before anything is written), so the
  // whole-document JSON the base class would build is never needed.
  protected override prepareWrite(session: SessionData, expectedRevision: number | undefined): SessionWrite {
    return { id: session.id, session, json: '', expectedRevision };
  }

  /** Adds one segment row: `count` messages as their JSON texts joined by commas (nothing when there are none). */
  #insertSegment(key: number, text: string, count: number): void {
    if (count === 0) return;
    const seq = (this.#sql.lastSegment.pluck().get(key) as number) + 1;
    this.#sql.insertSegment.run(key, seq, count, text);
  }

  protected override knownPrefix(id: string, first: unknown): KnownPrefix | null {
    return this.#known.prefix(id, first);
  }

  protected async writeSession(write: SessionWrite): Promise<number> {
    const { revision, before, after, plan } = this.#tx.write.immediate(write, headJsonOf(write.session));
    this.#known.rememberWrite(write.id, before, after, plan as SegmentPlan, after.count);
    return revision;
  }

  /** Runs inside the write transaction. */
  #writeRows(write: SessionWrite, headJson: string): WriteResult {
    const { id, session, expectedRevision } = write;
    const count = session.messages.length;
    const state = this.#sql.selectState.get(id) as StateRow | undefined;
    assertRevision(id, expectedRevision, state?.revision ?? null, BACKEND);
    const before = state ? { count: state.message_count, digest: state.messages_digest } : null;
    const plan = planSegmentWrite(before, session.messages, write.prefix);
    const bytes = documentBytesOf(headJson, plan.messagesBytes);
    if (bytes > this.capabilities.maxDocumentBytes)
      throw new SessionTooLargeError(id, bytes, this.capabilities.maxDocumentBytes, { backend: BACKEND });
    const revision = nextRevision(state?.revision ?? null);
    const row = {
      id,
      head: headJson,
      name_json: JSON.stringify(session.config.name),
      state: session.state,
      parent_id: session.parent_id ?? null,
      parent_id_json: JSON.stringify(session.parent_id ?? null),
      created_at: session.created_at,
      updated_at: session.updated_at,
      message_count: count,
      revision,
      messages_digest: plan.digest,
      document_bytes: bytes,
    };
    if (state === undefined) {
      const key = Number(this.#sql.insertSession.run(row).lastInsertRowid);
      this.#insertSegment(key, plan.text, count);
    } else {
      this.#sql.updateSession.run({ ...row, key: state.key });
      if (plan.kind === 'rewrite') this.#rewriteSegments(state.key, plan.text, count);
      else this.#insertSegment(state.key, plan.text, count - plan.from);
    }
    return { revision, before, after: { count, digest: plan.digest }, plan };
  }

  /** Replaces every segment of a session by one holding `count` messages (none when `count` is 0). */
  #rewriteSegments(key: number, text: string, count: number): void {
    // Segment 0 exists whenever any does (the first segment of a session is 0 and rewrites keep it).
    if (count > 0 && this.#sql.updateFirstSegment.run(count, text, key).changes === 1)
      this.#sql.deleteLaterSegments.run(key);
    else {
      this.#sql.deleteMessages.run(key);
      this.#insertSegment(key, text, count);
    }
  }

  protected override async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
  ): Promise<number> {
    // The new messages as one segment: their JSON texts joined by commas.
    const text = JSON.stringify(messages).slice(1, -1);
    const { revision, before, after } = this.#tx.append.immediate(id, messages, text, expectedRevision);
    this.#known.extend(id, before as MessageLogState, after, text, messages.length);
    return revision;
  }

  /** Runs inside the write transaction. */
  #appendRows(id: string, messages: Message[], text: string, expectedRevision: number | undefined): WriteResult {
    const state = this.#sql.selectState.get(id) as StateRow | undefined;
    if (state === undefined) {
      if (expectedRevision !== undefined)
        throw new SessionConflictError(id, expectedRevision, null, { backend: BACKEND });
      throw new SessionNotFoundError(id, { backend: BACKEND });
    }
    assertRevision(id, expectedRevision, state.revision, BACKEND);
    const bytes = state.document_bytes + appendedSegmentBytes(text, messages.length, state.message_count);
    if (bytes > this.capabilities.maxDocumentBytes)
      throw new SessionTooLargeError(id, bytes, this.capabilities.maxDocumentBytes, { backend: BACKEND });
    const revision = state.revision + 1;
    const after = {
      count: state.message_count + messages.length,
      digest: digestSegment(text, messages.length, state.messages_digest),
    };
    this.#sql.updateAppend.run({
      key: state.key,
      message_count: after.count,
      revision,
      messages_digest: after.digest,
      document_bytes: bytes,
    });
    this.#insertSegment(state.key, text, messages.length);
    return { revision, before: { count: state.message_count, digest: state.messages_digest }, after };
  }

  protected async removeSession(id: string): Promise<boolean> {
    this.#known.forget(id);
    return this.#tx.remove.immediate(id);
  }

  #removeRows(id: string): boolean {
    const state = this.#sql.selectState.get(id) as StateRow | undefined;
    if (state === undefined) return false;
    this.#sql.deleteMessages.run(state.key);
    this.#sql.deleteSession.run(state.key);
    return true;
  }

  // ---- reads -------------------------------------------------------------------------------------------------------
  protected async readSession(id: string): Promise<StoredSession | null> {
    // One read transaction: the head and the messages come from the same snapshot.
    const rows = this.#tx.read.deferred(id);
    if (rows === null) {
      this.#known.forget(id);
      return null;
    }
    const record = this.#record(id);
    const ctx = { backend: BACKEND, sessionId: id, record };
    const stored = rows.segments.reduce((sum, segment) => sum + segment.message_count, 0);
    if (stored !== rows.head.message_count)
      throw new SessionCorruptError(
        record,
        `it records ${rows.head.message_count} messages but its segments hold ${stored}`,
        ctx,
      );
    const messagesText = rows.segments.map((segment) => segment.json).join(',');
    const session = decodeSplitSession({ headJson: rows.head.head, messagesText, count: stored }, id, ctx);
    this.#known.remember(id, { count: stored, digest: rows.head.messages_digest }, messagesText);
    return { session, revision: rows.head.revision };
  }

  #readRows(id: string): ReadRows | null {
    const head = this.#sql.selectHead.get(id) as HeadRow | undefined;
    if (head === undefined) return null;
    return { head, segments: this.#sql.selectMessages.all(head.key) as { message_count: number; json: string }[] };
  }

  protected override async hasSession(id: string): Promise<boolean> {
    return this.#sql.exists.get(id) !== undefined;
  }

  protected async listIds(): Promise<string[]> {
    return this.#sql.listIds.pluck().all() as string[];
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    const params = {
      limit: query.limit + 1,
      parent: query.parentId,
      updated: query.after?.updated_at ?? null,
      id: query.after?.id ?? null,
    };
    const statement =
      query.parentId === null
        ? query.after === null
          ? this.#sql.listFirst
          : this.#sql.listAfter
        : query.after === null
          ? this.#sql.listParentFirst
          : this.#sql.listParentAfter;
    const rows = statement.all(pick(statement, params)) as SummaryRow[];
    const sessions: SessionSummary[] = rows.map((r) => ({
      id: r.id,
      name: JSON.parse(r.name_json) as string,
      state: r.state as SessionState,
      created_at: r.created_at,
      updated_at: r.updated_at,
      parent_id: JSON.parse(r.parent_id_json) as string | null,
      message_count: r.message_count,
      revision: r.revision,
    }));
    return toPage(sessions, query.limit);
  }

  protected async ping(): Promise<void> {
    // A real write under the write lock, rolled back: a read-only file or folder fails here, not at the first save.
    const probe = this.database.transaction(() => {
      this.database.prepare(`INSERT OR REPLACE INTO ${this.#names.meta} (key, value) VALUES ('health_check', 0)`).run();
      throw ROLLBACK;
    });
    try {
      probe.immediate();
    } catch (error) {
      if (error !== ROLLBACK) throw error;
    }
  }

  protected async closeResources(): Promise<void> {
    if (this.#owns && this.database.open) this.database.close();
  }
}

const ROLLBACK = Symbol('rollback');

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
export function openFromUrl(url: StoreUrl): SqliteSessionStore {
  return new SqliteSessionStore(optionsFromUrl(url));
}
