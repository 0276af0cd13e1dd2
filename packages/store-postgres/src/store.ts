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
import { mapPgError } from './errors.js';
import { type Executor, openExecutor, type Runner } from './executor.js';
import {
  type HistoryStatements,
  historyStatements,
  keyedAppendIn,
  type SliceRow,
  sliceSegments,
  sliceValues,
  truncateIn,
} from './history.js';
import { ensureTables } from './migrations.js';
import { BACKEND, type PostgresStoreOptions, type ResolvedPostgresOptions, resolveOptions } from './options.js';
import { deleteIn, listStatement } from './queries.js';
import { checkLoadRow, type LoadRow, type StateRow, type SummaryRow, sessionColumns, toSummary } from './rows.js';
import { buildStatements, type Statements, type TableNames, tableNames } from './sql.js';

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
    this.#executor = openExecutor(resolved);
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

  #initialize(): Promise<void> {
    return ensureTables(this.#executor, this.#names, this.options.create, this.#deadline());
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
    const columns = sessionColumns(w);
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
    return this.#executor.transaction(deadline, (tx) => deleteIn(tx, this.#sql, id));
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
    const { text, values } = listStatement(this.#sql, query);
    const rows = await this.#query<SummaryRow>(deadline, text, values);
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
