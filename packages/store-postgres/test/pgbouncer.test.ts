/**
 * Everything through PgBouncer in transaction pooling mode (2 server connections shared by every client): the whole
 * conformance suite, concurrent writers, and concurrent migrations of a fresh schema. A store that kept session state
 * (named prepared statements, session advisory locks, SET) would fail here.
 */

import { SessionConflictError } from '@agent-sessions/core/adapter';
import { describeSessionStoreConformance, makeMessage, makeSession } from '@agent-sessions/core/conformance';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { conformanceHooks, openTestDatabase, TEST_TIMEOUT_MS, type TestDatabase } from './helpers.js';
import { type PgBouncer, startPgBouncer } from './pgbouncer.js';

const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;
let db: TestDatabase;
let bouncer: PgBouncer;
let pool: pg.Pool;

function newPool(max: number): pg.Pool {
  const p = new pg.Pool({
    connectionString: bouncer.url,
    max,
    connectionTimeoutMillis: TEST_TIMEOUT_MS,
    query_timeout: TEST_TIMEOUT_MS,
  });
  p.on('error', () => {});
  return p;
}

beforeAll(async () => {
  db = await openTestDatabase('bouncer');
  bouncer = await startPgBouncer(db.url);
  pool = newPool(6);
});
afterAll(async () => {
  await pool?.end();
  await bouncer?.dispose();
  await db?.cleanup();
});

describe('PgBouncer', () => {
  it('runs in transaction pooling mode', async () => {
    const admin = new pg.Client({ connectionString: bouncer.url.replace(/\/[^/]*$/, '/pgbouncer') });
    await admin.connect();
    try {
      const { rows } = await admin.query('SHOW CONFIG');
      expect(rows.find((r) => r.key === 'pool_mode')?.value).toBe('transaction');
    } finally {
      await admin.end();
    }
  });
});

describeSessionStoreConformance('postgres through PgBouncer (transaction pooling)', {
  create: async (namespace) =>
    new PostgresSessionStore({ pool, schema: db.schema, table: namespace, maxDocumentBytes: MAX_DOCUMENT_BYTES }),
  ...conformanceHooks(() => db),
  capabilities: { maxDocumentBytes: MAX_DOCUMENT_BYTES },
  propertyRunsScale: 0.5,
});

describe('through PgBouncer', () => {
  it('several stores on their own pools migrate a fresh schema at the same moment', async () => {
    const schema = `${db.schema}_fresh`;
    const pools = [0, 1, 2, 3].map(() => newPool(2));
    try {
      const stores = pools.map((p, i) => new PostgresSessionStore({ pool: p, schema, table: i % 2 ? 'a' : 'b' }));
      await Promise.all(stores.map((s) => s.migrate()));
      await Promise.all(stores.map((s, i) => s.save(makeSession(`s${i}`))));
      expect((await stores[0]!.list()).sort()).toEqual(['s0', 's2']);
      expect((await stores[1]!.list()).sort()).toEqual(['s1', 's3']);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await db.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it('concurrent appends, deletes and pinned saves from several stores keep revisions atomic', async () => {
    const pools = [newPool(3), newPool(3)];
    try {
      const stores = pools.map((p) => new PostgresSessionStore({ pool: p, schema: db.schema, table: 'busy' }));
      const [a, b] = stores as [PostgresSessionStore, PostgresSessionStore];
      await a.save(makeSession('busy', { messages: 1 }));
      const appended = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % 2]!.appendMessages('busy', [makeMessage(i, `m${i}`)])),
      );
      expect(appended.map((r) => r.revision).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 2),
      );
      expect((await b.load('busy'))?.messages).toHaveLength(21);

      const pinned = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          stores[i % 2]!.save(makeSession('busy', { name: `w${i}` }), { expectedRevision: 21 }),
        ),
      );
      expect(pinned.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of pinned) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(SessionConflictError);

      // Deletes racing with saves of the same ids: every id ends deleted or whole, never half-written.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 ? a.delete(`d${i % 3}`) : b.save(makeSession(`d${i % 3}`, { messages: i })),
        ),
      );
      for (const id of ['d0', 'd1', 'd2']) {
        const got = await a.get(id);
        if (got) expect(got.session).toEqual(makeSession(id, { messages: got.session.messages.length }));
      }
      const { rows } = await db.pool.query(
        `SELECT s.id, s.message_count, (SELECT coalesce(sum(m.message_count), 0) FROM "${db.schema}"."busy_messages" m
           WHERE m.session_id = s.id)::int AS n FROM "${db.schema}"."busy" s`,
      );
      for (const row of rows) expect(row.n, row.id).toBe(row.message_count);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
