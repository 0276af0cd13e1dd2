/**
 * PostgresSessionStore: backend I/O only. A session is a row of head JSON + summary columns + revision in the
 * sessions table and, in the messages table, one row per write that added messages (a segment), so an agent turn
 * writes only its new messages, a whole-document save writes two rows, and listing never reads a document. Every
 * write is one statement (check and write commit together); only delete and migrations use a transaction, and nothing
 * keeps session state on a connection, so a transaction-mode pooler works.
 */
import {
  appendedSegmentBytes,
  assertRevision,
  BaseSessionStore,
  digestSegment,
  documentBytesOf,
  headJsonOf,
  KnownHistories,
  type KnownPrefix,
  type ListQuery,
  type ListSessionsResult,
  type Message,
  type MessageLogState,
  planSegmentWrite,
  type SegmentPlan,
  SessionConflictError,
  type SessionData,
  SessionNotFoundError,
  type SessionStoreError,
  SessionTooLargeError,
  type SessionWrite,
  type StoredSession,
  toPage,
} from '@agent-sessions/core';
import pg from 'pg';
import { mapPgError } from './errors.js';
import { ClientExecutor, type Executor, PoolExecutor, type Runner } from './executor.js';
import { assertKnownVersion, currentVersion, LATEST_VERSION, migrate } from './migrations.js';
import { BACKEND, type PostgresStoreOptions, type ResolvedPostgresOptions, resolveOptions } from './options.js';
import { decodeLoadRow, type LoadRow, type StateRow, type SummaryRow, toSummary } from './rows.js';
import { buildStatements, type SessionColumns, type Statements, type TableNames, tableNames } from './sql.js';

export class PostgresSessionStore extends BaseSessionStore {
  readonly backendName = BACKEND;
  /** The resolved, frozen options. */
  readonly options: ResolvedPostgresOptions;
  readonly #names: TableNames;
  readonly #sql: Statements;
  readonly #executor: Executor;
  readonly #timeoutMs: number;
  /** What this store last read or wrote of each session, so a write usually needs no read and skips stored messages. */
  readonly #known: KnownHistories;
  #ready: Promise<void> | null = null;

  constructor(options: PostgresStoreOptions | string) {
    const resolved = resolveOptions(options);
    super({
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { maxDocumentBytes: resolved.maxDocumentBytes },
    });
    this.options = resolved;
    this.#known = new KnownHistories({ maxBytes: resolved.historyCacheBytes });
    this.#timeoutMs = resolved.operationTimeoutMs;
    this.#names = tableNames(resolved.schema, resolved.table);
    this.#sql = buildStatements(this.#names);
    const connection = resolved.connection;
    if (connection.kind === 'connectionString') {
      const pool = new pg.Pool({
        connectionTimeoutMillis: resolved.operationTimeoutMs,
        query_timeout: resolved.operationTimeoutMs,
        ...connection.poolConfig,
        connectionString: connection.connectionString,
      });
      // An idle connection whose server went away is reported as a pool 'error' event, which would end the
      // process without a listener; the pool drops that connection and the next operation opens a new one.
      pool.on('error', () => {});
      this.#executor = new PoolExecutor(pool, true);
    } else if (connection.kind === 'pool') this.#executor = new PoolExecutor(connection.pool, false);
    else this.#executor = new ClientExecutor(connection.client);
  }

  /** The tables this store uses (schema, sessions, messages, migrations). */
  get tables(): Readonly<TableNames> {
    return this.#names;
  }

  /** Creates or upgrades the tables now instead of on the first operation. */
  async migrate(): Promise<void> {
    this.assertOpen();
    await this.run('migrate', null, () => this.#ensureReady());
  }

  // ---- plumbing --------------------------------------------------------------------------------------------------
  #deadline(): number {
    return Date.now() + this.#timeoutMs;
  }

  #query<R extends object>(deadline: number, text: string, values: readonly unknown[]): Promise<R[]> {
    return this.#executor.query<R>(deadline, text, values);
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= this.#initialize().catch((error) => {
      // Not cached: the next operation tries again (the server may be back by then).
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  async #initialize(): Promise<void> {
    const deadline = this.#deadline();
    const run: Runner = (text, values) => this.#query(deadline, text, values);
    // Fast path, one statement and no lock: the tables are usually there already.
    const version = await currentVersion(run, this.#names);
    if (version !== null && version >= LATEST_VERSION) {
      assertKnownVersion(this.#names, version);
      return;
    }
    await this.#executor.transaction(deadline, (tx) => migrate(tx, this.#names));
  }

  #record(id: string): string {
    return `postgres:${this.#names.schema}.${this.#names.table}/${id}`;
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    return mapPgError(error, operation, sessionId);
  }

  // The document is measured after planning (before anything is written), so the whole-document JSON the base class
  // would build is never needed: each message is serialized at most once, and one already stored not at all.
  protected override prepareWrite(session: SessionData, expectedRevision: number | undefined): SessionWrite {
    return { id: session.id, session, json: '', expectedRevision };
  }

  protected override knownPrefix(id: string, first: unknown): KnownPrefix | null {
    return this.#known.prefix(id, first);
  }

  // ---- the backend -----------------------------------------------------------------------------------------------
  protected async readSession(id: string): Promise<StoredSession | null> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const [row] = await this.#query<LoadRow>(deadline, this.#sql.load, [id]);
    if (row === undefined) {
      this.#known.forget(id);
      return null;
    }
    const session = decodeLoadRow(row, id, this.#record(id));
    this.#known.remember(id, { count: row.message_count, digest: row.messages_digest }, row.bodies ?? '');
    return { session, revision: Number(row.revision) };
  }

  protected async writeSession(write: SessionWrite): Promise<number> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const { id, session, expectedRevision } = write;
    const headJson = headJsonOf(session);
    const count = session.messages.length;
    const columns = (digest: string, bytes: number): SessionColumns => ({
      id,
      nameJson: JSON.stringify(session.config.name),
      state: session.state,
      createdAt: session.created_at,
      updatedAt: session.updated_at,
      parentIdJson: typeof session.parent_id === 'string' ? JSON.stringify(session.parent_id) : null,
      messageCount: count,
      digest,
      head: headJson,
      documentBytes: bytes,
    });
    // "Must not exist" cannot be answered from memory; anything else may start from what this store saw last.
    let known = expectedRevision === 0 ? undefined : this.#known.state(id);
    for (;;) {
      let stored: MessageLogState | null;
      if (known !== undefined) stored = known;
      else {
        const [state] = await this.#query<StateRow>(deadline, this.#sql.readState, [id]);
        assertRevision(id, expectedRevision, state ? Number(state.revision) : null, BACKEND);
        stored = state ? { count: state.message_count, digest: state.messages_digest } : null;
      }
      known = undefined;
      const plan: SegmentPlan = planSegmentWrite(stored, session.messages, write.prefix);
      const bytes = documentBytesOf(headJson, plan.messagesBytes);
      if (bytes > this.capabilities.maxDocumentBytes)
        throw new SessionTooLargeError(id, bytes, this.capabilities.maxDocumentBytes, { backend: BACKEND });
      const segment = { from: plan.from, count: count - plan.from, text: plan.text, rewrite: plan.kind === 'rewrite' };
      const statement = stored
        ? this.#sql.updateSession(columns(plan.digest, bytes), segment, {
            count: stored.count,
            digest: stored.digest,
            expectedRevision: expectedRevision ?? null,
          })
        : this.#sql.insertSession(columns(plan.digest, bytes), segment);
      const [written] = await this.#query<{ revision: string }>(deadline, statement.text, statement.values);
      if (written !== undefined) {
        this.#known.rememberWrite(id, stored, { count, digest: plan.digest }, plan, count);
        return Number(written.revision);
      }
      // Another writer got in between (or what this store remembered is out of date): read the row and plan again.
      // With an expectedRevision, the next assertRevision reports the conflict.
      this.#known.forget(id);
    }
  }

  protected override async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
  ): Promise<number> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    // The new messages as one segment: their JSON texts joined by commas.
    const text = JSON.stringify(messages).slice(1, -1);
    const added = messages.length;
    const max = this.capabilities.maxDocumentBytes;
    let known = this.#known.state(id);
    for (;;) {
      let stored: MessageLogState;
      /** The document's stored size, when this attempt read the row (a remembered state carries none). */
      let storedBytes: number | null = null;
      if (known !== undefined) stored = known;
      else {
        const [state] = await this.#query<StateRow>(deadline, this.#sql.readState, [id]);
        if (state === undefined) {
          this.#known.forget(id);
          if (expectedRevision !== undefined)
            throw new SessionConflictError(id, expectedRevision, null, { backend: BACKEND });
          throw new SessionNotFoundError(id, { backend: BACKEND });
        }
        assertRevision(id, expectedRevision, Number(state.revision), BACKEND);
        stored = { count: state.message_count, digest: state.messages_digest };
        storedBytes = Number(state.document_bytes);
      }
      known = undefined;
      const grows = appendedSegmentBytes(text, added, stored.count);
      if (storedBytes !== null && storedBytes + grows > max)
        throw new SessionTooLargeError(id, storedBytes + grows, max, { backend: BACKEND });
      const digest = digestSegment(text, added, stored.digest);
      const statement = this.#sql.appendMessages(id, stored.count + added, digest, { text, count: added }, grows, max, {
        count: stored.count,
        digest: stored.digest,
        expectedRevision: expectedRevision ?? null,
      });
      const [written] = await this.#query<{ revision: string }>(deadline, statement.text, statement.values);
      if (written !== undefined) {
        this.#known.extend(id, stored, { count: stored.count + added, digest }, text, added);
        return Number(written.revision);
      }
      // Changed since (or too large now): read the row, which also reports a conflict or a size over the limit.
      this.#known.forget(id);
    }
  }

  protected async removeSession(id: string): Promise<boolean> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    this.#known.forget(id);
    // One transaction, sessions row first: its row lock makes a concurrent writer of the same id wait, so the
    // messages deleted next are exactly the ones of the session deleted, never those of a session re-created.
    // When no row was deleted, no lock was taken: the messages under this id by now may be those of a session
    // created since, so they are left alone (rows an earlier delete could have left are trimmed by the next create).
    return this.#executor.transaction(deadline, async (tx) => {
      const deleted = await tx(this.#sql.deleteSession, [id]);
      if (deleted.length === 0) return false;
      await tx(this.#sql.deleteMessages, [id]);
      return true;
    });
  }

  protected override async hasSession(id: string): Promise<boolean> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    return (await this.#query(deadline, this.#sql.exists, [id])).length > 0;
  }

  protected async listIds(): Promise<string[]> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    return (await this.#query<{ id: string }>(deadline, this.#sql.listIds, [])).map((r) => r.id);
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const values: unknown[] = [query.limit + 1];
    if (query.after !== null) values.push(query.after.updated_at, query.after.id);
    if (query.parentId !== null) values.push(JSON.stringify(query.parentId));
    const variant = (query.after !== null ? 1 : 0) + (query.parentId !== null ? 2 : 0);
    const rows = await this.#query<SummaryRow>(deadline, this.#sql.listSummaries[variant] as string, values);
    return toPage(
      rows.map((row) => toSummary(row, this.#record(row.id))),
      query.limit,
    );
  }

  protected async ping(): Promise<void> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    await this.#query(deadline, this.#sql.ping, []);
  }

  protected async closeResources(): Promise<void> {
    await this.#executor.end();
  }
}
