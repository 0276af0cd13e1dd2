/** `create: false` against a real PostgreSQL: no schema, table or migration is made; missing tables are a clear error. */
import { openSessionStore, parseStoreUrl, StoreNotFoundError } from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsFromUrl, PostgresSessionStore } from '../src/index.js';
import { openTestDatabase, type TestDatabase, withQuery } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('create');
});
afterAll(async () => {
  await db?.cleanup();
});

async function schemaExists(schema: string): Promise<boolean> {
  const { rows } = await db.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rows.length > 0;
}

describe('create: false', () => {
  it('a missing schema and table is StoreNotFoundError naming them; nothing is created', async () => {
    const store = new PostgresSessionStore({ connectionString: db.url, schema: db.schema, create: false });
    try {
      const error = await store.listSessions().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreNotFoundError);
      expect((error as Error).message).toContain(`${db.schema}.agent_sessions`);
      await expect(store.load('x')).rejects.toThrow(StoreNotFoundError);
      await expect(store.save(makeSession('x'))).rejects.toThrow(StoreNotFoundError);
    } finally {
      await store.close();
    }
    expect(await schemaExists(db.schema)).toBe(false);
  });

  it('reads (and writes) tables that exist', async () => {
    const writer = new PostgresSessionStore({ connectionString: db.url, schema: db.schema, table: 'kept' });
    await writer.save(makeSession('there'));
    await writer.close();
    const reader = await openSessionStore(withQuery(db.url, { schema: db.schema, table: 'kept', create: 'false' }));
    try {
      expect((await reader.listSessions()).sessions.map((s) => s.id)).toEqual(['there']);
      // Another table in the same schema is still refused, not created.
      const other = await openSessionStore(withQuery(db.url, { schema: db.schema, table: 'other', create: 'false' }));
      await expect(other.listSessions()).rejects.toThrow(/no table .*\.other/);
      await other.close();
      const { rows } = await db.pool.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [
        db.schema,
        'other',
      ]);
      expect(rows).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it('is a URL parameter the store keeps from pg', () => {
    expect(optionsFromUrl(parseStoreUrl('postgres://h/d?create=false&sslmode=disable'))).toEqual({
      create: false,
      connectionString: 'postgres://h/d?sslmode=disable',
    });
    expect(new PostgresSessionStore('postgres://h/d').options.create).toBe(true);
  });
});
