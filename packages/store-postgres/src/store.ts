/**
 * PostgresSessionStore: backend I/O only. A session is a row of head JSON + summary columns + revision in the
 * sessions table and, in the messages table, one row per write that added messages (a segment), so an agent turn
 * writes only its new messages, a whole-document save writes two rows, and listing never reads a document. Every
 * write is one statement (check and write commit together); only delete, truncate, keyed appends and migrations use
 * a transaction, and nothing keeps session state on a connection, so a transaction-mode pooler works.
 */
import {
  type Committed,
  type ListQuery,
  type ListSessionsResult,
  listingRow,
  type ResolvedWindow,
  type SegmentAppend,
  SegmentedSessionStore,
  type SegmentState,
  type SegmentTruncate,
  type SegmentWrite,
  type SessionStoreError,
  type StoredParts,
  type StoredSegments,
  type StoredState,
  toPage,
} from '@agent-sessions/core/adapter';
import pg from 'pg';
import { mapPgError } from './errors.js';
import { ClientExecutor, type Executor, PoolExecutor, type Runner } from './executor.js';
import { notCreatedError } from './existing.js';
import {
  type HistoryStatements,
  historyStatements,
  keyedAppendIn,
  type SliceRow,
  sliceSegments,
  sliceValues,
  truncateIn,
} from './history.js';
import { assertKnownVersion, currentVersion, LATEST_VERSION, migrate } from './migrations.js';
import { BACKEND, type PostgresStoreOptions, type ResolvedPostgresOptions, resolveOptions } from './options.js';
import { checkLoadRow, type LoadRow, type StateRow, type SummaryRow, toSummary } from './rows.js';
import { buildStatements, type SessionColumns, type Statements, type TableNames, tableNames } from './sql.js';

/** Sessions in PostgreSQL over pg: a head row per session plus message segments, versioned migrations. */
export class PostgresSessionStore extends SegmentedSessionStore {
  readonly backendName = BACKEND;
  /** The resolved, frozen options. */
  readonly options: ResolvedPostgresOptions;
  readonly #names: TableNames;
  readonly #sql: Statements;
  readonly #history: HistoryStatements;
  readonly #executor: Executor;
  readonly #timeoutMs: number;
  #ready: Promise<void> | null = null;

  constructor(options: PostgresStoreOptions | string) {
    const resolved = resolveOptions(options);
    super({
      encryption: typeof options === 'string' ? undefined : options.encryption,
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { maxDocumentBytes: resolved.maxDocumentBytes },
      historyCacheBytes: resolved.historyCacheBytes,
    });
    this.options = resolved;
    this.#timeoutMs = resolved.operationTimeoutMs;
    this.#names = tableNames(resolved.schema, resolved.table);
    this.#sql = buildStatements(this.#names);
    this.#history = historyStatements(this.#names);
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
    if (!this.options.create) throw notCreatedError(this.#names, version);
    await this.#executor.transaction(deadline, (tx) => migrate(tx, this.#names));
  }

  #record(id: string): string {
    return `postgres:${this.#names.schema}.${this.#names.table}/${id}`;
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    return mapPgError(error, operation, sessionId);
  }

  // ---- the I/O steps -----------------------------------------------------------------------------------------------
  protected async readState(id: string): Promise<StoredState<SegmentState> | null> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const [row] = await this.#query<StateRow & { head: string }>(deadline, this.#sql.readState, [id]);
    if (row === undefined) return null;
    return {
      revision: Number(row.revision),
      bytes: Number(row.document_bytes),
      state: { count: row.message_count, digest: row.messages_digest },
      head: { json: row.head, record: this.#record(id) },
    };
  }

  protected async readParts(id: string): Promise<StoredParts<SegmentState> | null> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const [row] = await this.#query<LoadRow>(deadline, this.#sql.load, [id]);
    if (row === undefined) return null;
    const record = this.#record(id);
    checkLoadRow(row, id, record);
    return {
      revision: Number(row.revision),
      state: { count: row.message_count, digest: row.messages_digest },
      headJson: row.head,
      // The rows arrive joined by commas: the inside of one JSON array.
      messagesText: row.bodies ?? '',
      record,
    };
  }

  protected async commitWrite(w: SegmentWrite<SegmentState>): Promise<Committed<SegmentState>> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const columns: SessionColumns = {
      id: w.id,
      nameJson: JSON.stringify(w.summary.name),
      state: w.summary.state,
      createdAt: w.summary.created_at,
      updatedAt: w.summary.updated_at,
      parentIdJson: w.summary.parent_id === null ? null : JSON.stringify(w.summary.parent_id),
      messageCount: w.count,
      digest: w.digest,
      head: w.headJson,
      documentBytes: w.documentBytes,
    };
    const segment = { from: w.from, count: w.added, text: w.text, rewrite: w.rewrite };
    const statement =
      w.base === null
        ? this.#sql.insertSession(columns, segment)
        : this.#sql.updateSession(columns, segment, {
            count: w.base.count,
            digest: w.base.digest,
            expectedRevision: w.expectedRevision ?? null,
          });
    const [written] = await this.#query<{ revision: string }>(deadline, statement.text, statement.values);
    // No row: another writer got in between, or the revision is not the expected one; the store reads and decides.
    if (written === undefined) return 'stale';
    return { revision: Number(written.revision), state: { count: w.count, digest: w.digest } };
  }

  protected async commitAppend(a: SegmentAppend<SegmentState>): Promise<Committed<SegmentState>> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const statement = this.#sql.appendMessages(
      a.id,
      a.count,
      a.digest,
      { text: a.text, count: a.added },
      a.addedBytes,
      a.maxDocumentBytes,
      { count: a.base.count, digest: a.base.digest, expectedRevision: a.expectedRevision ?? null },
    );
    const append = async (run: Runner): Promise<Committed<SegmentState>> => {
      const [written] = await run<{ revision: string }>(statement.text, statement.values);
      if (written === undefined) return 'stale';
      return { revision: Number(written.revision), state: { count: a.count, digest: a.digest } };
    };
    const key = a.key;
    if (key === undefined) return append((text, values) => this.#query(deadline, text, values));
    return this.#executor.transaction(deadline, (tx) => keyedAppendIn(tx, this.#history, a.id, key, () => append(tx)));
  }

  protected override async readSegments(
    id: string,
    window: ResolvedWindow,
  ): Promise<StoredSegments<SegmentState> | null> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    const rows = await this.#query<SliceRow>(deadline, this.#history.slice, sliceValues(id, window));
    const [first] = rows;
    if (first === undefined) return null;
    return {
      revision: Number(first.revision),
      state: { count: first.message_count, digest: first.messages_digest },
      headJson: first.head,
      record: this.#record(id),
      segments: sliceSegments(rows),
    };
  }

  protected override async commitTruncate(t: SegmentTruncate<SegmentState>): Promise<Committed<SegmentState>> {
    const deadline = this.#deadline();
    await this.#ensureReady();
    return this.#executor.transaction(deadline, (tx) => truncateIn(tx, this.#history, t));
  }

  protected async deleteSession(id: string): Promise<boolean> {
    const deadline = this.#deadline();
    await this.#ensureReady();
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
      rows.map((row) => {
        const record = this.#record(row.id);
        const position = { updated_at: Number(row.updated_at), id: row.id };
        return listingRow(position, record, BACKEND, () => toSummary(row, record));
      }),
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
