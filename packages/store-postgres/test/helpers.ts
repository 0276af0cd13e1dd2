/** Shared test setup: one PostgreSQL per run, one schema per test file (dropped afterwards), small pools. */
import { getPostgres, uniqueNamespace } from '@agent-sessions/test-services';
import pg from 'pg';
import { tableNames } from '../src/index.js';

export interface TestDatabase {
  url: string;
  /** This file's schema; dropped by `cleanup`. */
  schema: string;
  /** A small pool for the tests' own statements and for stores that share it. */
  pool: pg.Pool;
  cleanup(): Promise<void>;
}

/** Bound for every statement the tests run themselves. */
export const TEST_TIMEOUT_MS = 10_000;

export async function openTestDatabase(prefix: string): Promise<TestDatabase> {
  const service = await getPostgres();
  const schema = uniqueNamespace(`sp_${prefix}`);
  const pool = new pg.Pool({
    connectionString: service.url,
    max: 4,
    connectionTimeoutMillis: TEST_TIMEOUT_MS,
    query_timeout: TEST_TIMEOUT_MS,
  });
  pool.on('error', () => {});
  return {
    url: service.url,
    schema,
    pool,
    async cleanup() {
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}

/** A URL with its database path and query replaced (for openSessionStore). */
export function withQuery(url: string, query: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * The conformance suite's destroy and rawRead for stores whose table is the namespace in the test schema.
 * `db` is read when the hooks run (the database is opened in beforeAll).
 */
export function conformanceHooks(db: () => TestDatabase) {
  return {
    destroy: async (_store: unknown, namespace: string) => {
      const t = tableNames(db().schema, namespace);
      await db().pool.query(
        `DROP TABLE IF EXISTS "${t.schema}"."${t.table}", "${t.schema}"."${t.messages}", "${t.schema}"."${t.migrations}"`,
      );
    },
    // The stored bytes of one session: its head and its message rows.
    rawRead: async (namespace: string, id: string) => {
      const t = tableNames(db().schema, namespace);
      const { rows } = await db().pool.query<{ raw: string }>(
        `SELECT s.head || coalesce((SELECT string_agg(m.body, ',' ORDER BY m.seq) FROM "${t.schema}"."${t.messages}" m
           WHERE m.session_id = s.id), '') AS raw
         FROM "${t.schema}"."${t.table}" s WHERE s.id = $1`,
        [id],
      );
      return rows[0]?.raw ?? null;
    },
    damage: async (namespace: string, id: string) => {
      const t = tableNames(db().schema, namespace);
      await db().pool.query(`UPDATE "${t.schema}"."${t.table}" SET head = left(head, 20) WHERE id = $1`, [id]);
    },
    // The session's segment rows, in order (only those its row counts: a longer history may have left others).
    rawSegments: async (namespace: string, id: string) => {
      const t = tableNames(db().schema, namespace);
      const { rows } = await db().pool.query<{ body: string }>(
        `SELECT m.body FROM "${t.schema}"."${t.messages}" m JOIN "${t.schema}"."${t.table}" s ON s.id = m.session_id
         WHERE m.session_id = $1 AND m.seq < s.message_count ORDER BY m.seq`,
        [id],
      );
      return rows.map((r) => r.body);
    },
  };
}
