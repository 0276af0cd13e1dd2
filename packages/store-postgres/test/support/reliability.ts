/**
 * The postgres store for the reliability suites: a table per namespace in this file's schema; records are rows,
 * read and damaged with the raw pool; raw storage is every row of the sessions and messages tables, as text.
 */
import { afterAll, beforeAll } from 'vitest';
import { PostgresSessionStore, tableNames } from '../../src/index.js';
import { openTestDatabase, type TestDatabase } from '../helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('reliability');
});
afterAll(() => db?.cleanup());

const names = (namespace: string) => tableNames(db.schema, namespace);
const quoted = (table: string) => `"${db.schema}"."${table}"`;

export const postgresHooks = {
  create: async (namespace: string) =>
    new PostgresSessionStore({ connectionString: db.url, schema: db.schema, table: namespace, poolConfig: { max: 2 } }),
  cleanup: async (namespace: string) => {
    const t = names(namespace);
    await db.pool.query(`DROP TABLE IF EXISTS ${[t.table, t.messages, t.migrations].map(quoted).join(', ')}`);
  },
  // Tables of this file's schema that are not the namespace's (a hostile id must not make or touch any).
  outside: async (namespace: string) => {
    const { rows } = await db.pool.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1',
      [db.schema],
    );
    return rows.map((r) => r.name).filter((n) => !n.startsWith(namespace));
  },
  tamper: async (namespace: string, id: string, mutate: (raw: string) => string) => {
    const table = quoted(names(namespace).table);
    const { rows } = await db.pool.query<{ head: string }>(`SELECT head FROM ${table} WHERE id = $1`, [id]);
    if (rows[0] === undefined) throw new Error(`no row for ${id}`);
    // A text column cannot hold NUL (22021): damage that adds one cannot happen here, so it is dropped.
    const damaged = mutate(rows[0].head).replaceAll('\u0000', '');
    await db.pool.query(`UPDATE ${table} SET head = $2 WHERE id = $1`, [id, damaged]);
    return `${namespace}/${id}`;
  },
  rawDump: async (namespace: string) => {
    const t = names(namespace);
    const chunks: Buffer[] = [];
    for (const table of [t.table, t.messages]) {
      const { rows } = await db.pool.query<{ row: string }>(
        `SELECT row_to_json(r)::text AS row FROM ${quoted(table)} r`,
      );
      chunks.push(...rows.map((r) => Buffer.from(r.row)));
    }
    return chunks;
  },
};
