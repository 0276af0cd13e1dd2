/**
 * Runs statements on a pool or on one client. Each call carries the deadline of the store operation it belongs to,
 * so a statement never starts after its caller was told the operation timed out, and each statement's pg
 * `query_timeout` is what is left of that deadline.
 */
import pg, { type Client, type Pool, type PoolClient, type QueryConfig } from 'pg';
import type { ResolvedPostgresOptions } from './options.js';

/** Runs one statement and returns its rows. */
export type Runner = <R extends object = Record<string, unknown>>(
  text: string,
  values: readonly unknown[],
) => Promise<R[]>;

export interface Executor {
  /** One statement in autocommit mode. */
  query<R extends object>(deadline: number, text: string, values: readonly unknown[]): Promise<R[]>;
  /** `fn`'s statements in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(deadline: number, fn: (tx: Runner) => Promise<T>): Promise<T>;
  /** Ends the pool when the store created it; otherwise nothing. */
  end(): Promise<void>;
}

/** Thrown when an operation's time ran out before a statement could start; the caller already got its error. */
export class DeadlineError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor() {
    super('the operation ran out of time before the statement was sent');
  }
}

/** True for an error the server reported about a statement: the connection itself is still fine. */
export function isStatementError(error: unknown): boolean {
  const e = error as { severity?: unknown; code?: unknown };
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.severity === 'string' &&
    typeof e.code === 'string' &&
    !e.code.startsWith('08') &&
    !e.code.startsWith('57P')
  );
}

function remaining(deadline: number): number {
  const ms = deadline - Date.now();
  if (ms <= 0) throw new DeadlineError();
  return Math.ceil(ms);
}

async function runOn<R extends object>(
  client: Client | PoolClient,
  deadline: number,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  const config: QueryConfig & { query_timeout: number } = {
    text,
    values: values as unknown[],
    query_timeout: remaining(deadline),
  };
  const result = await client.query<R>(config);
  return result.rows;
}

async function inTransaction<T>(
  client: Client | PoolClient,
  deadline: number,
  fn: (tx: Runner) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown; broken: boolean }> {
  let lost = false;
  const tx: Runner = async (text, values) => {
    try {
      return await runOn(client, deadline, text, values);
    } catch (error) {
      if (!isStatementError(error) && !(error instanceof DeadlineError)) lost = true;
      throw error;
    }
  };
  try {
    await tx('BEGIN', []);
    const value = await fn(tx);
    await tx('COMMIT', []);
    return { ok: true, value };
  } catch (error) {
    // A lost or timed-out connection is in an unknown state, and a ROLLBACK could wait behind a running statement:
    // report it broken instead; dropping the connection rolls the transaction back on the server.
    return { ok: false, error, broken: lost || !(await rollback(client)) };
  }
}

async function rollback(client: Client | PoolClient): Promise<boolean> {
  try {
    // A short bound of its own: the operation's deadline may be gone, and an unanswered ROLLBACK must not hang.
    await client.query({ text: 'ROLLBACK', query_timeout: 5000 } as QueryConfig);
    return true;
  } catch {
    return false;
  }
}

export class PoolExecutor implements Executor {
  readonly #pool: Pool;
  readonly #owned: boolean;

  constructor(pool: Pool, owned: boolean) {
    this.#pool = pool;
    this.#owned = owned;
  }

  /**
   * Runs `fn` on a checked-out client and gives it back: destroyed when its connection was lost or timed out, so the
   * pool opens a fresh one. pg-pool drops its own 'error' listener from a client while it is checked out, and a
   * client whose connection dies emits 'error' (during a statement too), which would end the process without a
   * listener: one is attached for as long as the client is ours (pool.query does the same).
   */
  async #use<T>(deadline: number, fn: (client: PoolClient) => Promise<T>, broken: (error: unknown) => boolean) {
    const client = await this.#pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    const giveBack = (error: Error | undefined) => {
      client.removeListener('error', onError);
      client.release(lost ?? error);
    };
    if (Date.now() >= deadline) {
      giveBack(undefined);
      throw new DeadlineError();
    }
    let result: T;
    try {
      result = await fn(client);
    } catch (error) {
      giveBack(broken(error) ? toError(error) : undefined);
      throw error;
    }
    giveBack(undefined);
    return result;
  }

  query<R extends object>(deadline: number, text: string, values: readonly unknown[]): Promise<R[]> {
    return this.#use(
      deadline,
      (client) => runOn<R>(client, deadline, text, values),
      // pg destroys a client released with an error: right for a lost or timed-out connection only.
      (error) => !isStatementError(error) && !(error instanceof DeadlineError),
    );
  }

  transaction<T>(deadline: number, fn: (tx: Runner) => Promise<T>): Promise<T> {
    return this.#use(
      deadline,
      async (client) => {
        const outcome = await inTransaction(client, deadline, fn);
        if (outcome.ok) return outcome.value;
        throw new TransactionFailed(outcome.error, outcome.broken);
      },
      (error) => error instanceof TransactionFailed && error.broken,
    ).catch((error: unknown) => {
      throw error instanceof TransactionFailed ? error.error : error;
    });
  }

  async end(): Promise<void> {
    if (this.#owned) await this.#pool.end();
  }
}

/**
 * One client, one statement or transaction at a time: pg would interleave a second caller's statements into a
 * running transaction (where a rollback would undo them), so every call waits its turn in a queue.
 */
export class ClientExecutor implements Executor {
  readonly #client: Client;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(client: Client) {
    this.#client = client;
  }

  #enqueue<T>(deadline: number, job: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(() => {
      // The caller gave up while waiting (its error was already reported): do not run its statement late.
      if (Date.now() >= deadline) throw new DeadlineError();
      return job();
    });
    this.#tail = run.catch(() => {});
    return run;
  }

  query<R extends object>(deadline: number, text: string, values: readonly unknown[]): Promise<R[]> {
    return this.#enqueue(deadline, () => runOn<R>(this.#client, deadline, text, values));
  }

  transaction<T>(deadline: number, fn: (tx: Runner) => Promise<T>): Promise<T> {
    return this.#enqueue(deadline, async () => {
      const outcome = await inTransaction(this.#client, deadline, fn);
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    });
  }

  async end(): Promise<void> {
    // Not ours to end. Wait for queued work so close() resolves after the store's last statement.
    await this.#tail;
  }
}

/** Carries a failed transaction's error out of #use with whether its connection is still usable. */
class TransactionFailed extends Error {
  readonly error: unknown;
  readonly broken: boolean;
  constructor(error: unknown, broken: boolean) {
    super('transaction failed');
    this.error = error;
    this.broken = broken;
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** What the store talks through: a pool it makes from a connection string (and ends), or the pool or client given. */
export function openExecutor(resolved: ResolvedPostgresOptions): Executor {
  const connection = resolved.connection;
  if (connection.kind === 'pool') return new PoolExecutor(connection.pool, false);
  if (connection.kind !== 'connectionString') return new ClientExecutor(connection.client);
  const pool = new pg.Pool({
    connectionTimeoutMillis: resolved.operationTimeoutMs,
    query_timeout: resolved.operationTimeoutMs,
    ...connection.poolConfig,
    connectionString: connection.connectionString,
  });
  // An idle connection whose server went away is reported as a pool 'error' event, which would end the process
  // without a listener; the pool drops that connection and the next operation opens a new one.
  pool.on('error', () => {});
  return new PoolExecutor(pool, true);
}
