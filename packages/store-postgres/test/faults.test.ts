/**
 * Faults: nothing listening, a server that never answers, a pooler that goes away and comes back. Every failure is a
 * StoreUnavailableError (transient) within the operation's time limit, and the store recovers by itself.
 */

import { connect, createServer, type Server, type Socket } from 'node:net';
import { StoreUnavailableError } from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { untilHealthy } from '@agent-sessions/test-services';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { openTestDatabase, type TestDatabase } from './helpers.js';
import { freePort, type PgBouncer, startPgBouncer } from './pgbouncer.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('faults');
});
afterAll(async () => {
  await db?.cleanup();
});

async function unavailable(promise: Promise<unknown>): Promise<StoreUnavailableError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).transient).toBe(true);
  expect((error as StoreUnavailableError).backend).toBe('postgres');
  return error as StoreUnavailableError;
}

describe('unreachable server', () => {
  it('nothing listening on the port: StoreUnavailableError, for every operation', async () => {
    const port = await freePort();
    const store = new PostgresSessionStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      operationTimeoutMs: 2000,
    });
    const error = await unavailable(store.healthCheck());
    expect(error.message).toMatch(/ECONNREFUSED|Check that the server is running/);
    await unavailable(store.save(makeSession('x')));
    await unavailable(store.load('x'));
    await unavailable(store.listSessions());
    await store.close();
  });

  it('a server that accepts and never answers: StoreUnavailableError after operationTimeoutMs', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    // A pool without a connect timeout of its own: the store's operation timeout still bounds the wait.
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, max: 2 });
    pool.on('error', () => {});
    const owned = new PostgresSessionStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      operationTimeoutMs: 300,
    });
    const shared = new PostgresSessionStore({ pool, operationTimeoutMs: 300 });
    try {
      expect((await unavailable(owned.healthCheck())).message).toMatch(/timeout|within 300 ms/i);
      expect((await unavailable(shared.load('x'))).message).toMatch(/within 300 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await owned.close();
      await shared.close();
      await pool.end();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('a statement that waits too long', () => {
  it('a write stuck behind a lock gives StoreUnavailableError after operationTimeoutMs; the store goes on', async () => {
    const store = new PostgresSessionStore({
      connectionString: db.url,
      poolConfig: { max: 2 },
      schema: db.schema,
      table: 'locked',
      operationTimeoutMs: 500,
    });
    await store.save(makeSession('held', { messages: 1 }));
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${db.schema}"."locked" WHERE id = 'held' FOR UPDATE`);
      const error = await unavailable(store.save(makeSession('held', { messages: 2 })));
      expect(error.message).toMatch(/within 500 ms|timeout/i);
      // Other sessions are not held up meanwhile.
      expect(await store.save(makeSession('free'))).toEqual({ revision: 1 });
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    const last = makeSession('held', { messages: 3 });
    await store.save(last);
    expect(await store.load('held')).toEqual(last);
    await store.close();
  });
});

describe('a connection killed in the middle of a statement', () => {
  it('rejects that operation with StoreUnavailableError, raises no uncaught error, and the next call works', async () => {
    const app = `sp-killed-${process.pid}`;
    const store = new PostgresSessionStore({
      connectionString: db.url,
      poolConfig: { max: 1, application_name: app },
      schema: db.schema,
      table: 'killed',
    });
    await store.save(makeSession('victim'));
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${db.schema}"."killed" WHERE id = 'victim' FOR UPDATE`);
      // Checked now, awaited below: the rejection may arrive while the loop still awaits its own query.
      const rejected = unavailable(store.save(makeSession('victim', { messages: 1 })));
      // Wait until the store's statement is blocked on the lock, then end its server connection under it.
      let killed = false;
      for (let i = 0; i < 100 && !killed; i++) {
        const { rows } = await db.pool.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
           WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [app],
        );
        killed = rows.length > 0;
        if (!killed) await new Promise((r) => setTimeout(r, 20));
      }
      expect(killed).toBe(true);
      await rejected;
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    // The pool dropped the dead connection and opens a new one.
    expect(await store.save(makeSession('victim', { messages: 2 }))).toEqual({ revision: 2 });
    await store.close();
  });
});

describe('a connection cut in the middle of a statement', () => {
  it('rejects that operation with StoreUnavailableError and raises no uncaught error', async () => {
    // A TCP relay to the server that the test can cut: the client sees its socket close, with no error message
    // from the server first (as when a pooler or a network path dies).
    const server = new URL(db.url);
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect({ host: server.hostname, port: Number(server.port || 5432) });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const through = new URL(db.url);
    through.hostname = '127.0.0.1';
    through.port = String((relay.address() as { port: number }).port);
    const app = `sp-cut-${process.pid}`;
    const store = new PostgresSessionStore({
      connectionString: through.toString(),
      poolConfig: { max: 1, application_name: app },
      schema: db.schema,
      table: 'cut',
    });
    const blocker = await db.pool.connect();
    try {
      await store.save(makeSession('cut'));
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${db.schema}"."cut" WHERE id = 'cut' FOR UPDATE`);
      // Checked now, awaited below: the rejection may arrive while the loop still awaits its own query.
      const rejected = unavailable(store.save(makeSession('cut', { messages: 1 })));
      let waiting = false;
      for (let i = 0; i < 100 && !waiting; i++) {
        const { rows } = await db.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [app],
        );
        waiting = rows.length > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 20));
      }
      expect(waiting).toBe(true);
      for (const s of sockets) s.destroy();
      await rejected;
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
      await store.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => relay.close(r));
    }
  });
});

describe('a pooler that stops and starts again', () => {
  let bouncer: PgBouncer;
  beforeAll(async () => {
    bouncer = await startPgBouncer(db.url);
  });
  afterAll(async () => {
    await bouncer?.dispose();
  });

  it('fails fast while it is down and recovers when it is back, also for a store first used while down', async () => {
    const options = { schema: db.schema, operationTimeoutMs: 3000 };
    const store = new PostgresSessionStore({ ...options, connectionString: bouncer.url, table: 'survivor' });
    const doc = makeSession('kept', { messages: 3 });
    await store.save(doc);
    const client = new pg.Client({ connectionString: bouncer.url });
    client.on('error', () => {});
    await client.connect();
    const onClient = new PostgresSessionStore({ ...options, client, table: 'survivor' });
    expect(await onClient.exists('kept')).toBe(true);

    await bouncer.stop();
    const late = new PostgresSessionStore({ ...options, connectionString: bouncer.url, table: 'late' });
    await unavailable(store.load('kept'));
    await unavailable(store.save(doc));
    await unavailable(store.healthCheck());
    await unavailable(onClient.load('kept'));
    await unavailable(late.save(makeSession('late')));

    await bouncer.start();
    await untilHealthy(store);
    expect(await store.get('kept')).toEqual({ session: doc, revision: 1 });
    expect(await store.save(doc)).toEqual({ revision: 2 });
    // The first use failed while the pooler was down; the store set itself up (tables included) once it was back.
    await untilHealthy(late);
    expect(await late.save(makeSession('late'))).toEqual({ revision: 1 });
    expect(await late.list()).toEqual(['late']);
    await Promise.all([store.close(), onClient.close(), late.close()]);
    await client.end().catch(() => {});
  }, 60_000);
});
