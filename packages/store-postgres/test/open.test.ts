/** `openSessionStore('postgres://…')` and `postgresql://`, with the store's own query parameters. */
import {
  DEFAULT_HISTORY_CACHE_BYTES,
  InvalidArgumentError,
  openSessionStore,
  parseStoreUrl,
} from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsFromUrl, PostgresSessionStore } from '../src/index.js';
import { openTestDatabase, type TestDatabase, withQuery } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('open');
});
afterAll(async () => {
  await db?.cleanup();
});

describe('store URLs', () => {
  it('postgres:// and postgresql:// open a PostgresSessionStore on the schema and table they name', async () => {
    const app = `sp-open-${process.pid}`;
    const url = withQuery(db.url, { schema: db.schema, table: 'by_url', application_name: app });
    const a = await openSessionStore(url);
    const b = await openSessionStore(url.replace(/^postgres:/, 'postgresql:'));
    try {
      // Not toBeInstanceOf: depending on what is built, core may load this package's dist instead of its sources.
      expect(a.constructor.name).toBe(PostgresSessionStore.name);
      expect(b.backendName).toBe('postgres');
      expect((a as PostgresSessionStore).options).toMatchObject({ schema: db.schema, table: 'by_url' });
      await a.save(makeSession('via-url'));
      expect(await b.exists('via-url')).toBe(true);
      const { rows } = await db.pool.query(`SELECT id FROM "${db.schema}"."by_url"`);
      expect(rows).toEqual([{ id: 'via-url' }]);
      // Parameters that are not the store's reach pg.
      const seen = await db.pool.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
        app,
      ]);
      expect(seen.rows[0].n).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('removes schema and table before pg sees the URL, and keeps the rest', () => {
    const options = optionsFromUrl(
      parseStoreUrl('postgresql://u:p%40ss@db.example:6543/app?schema=Tenant_1&sslmode=require&table=chat'),
    );
    expect(options).toEqual({
      schema: 'Tenant_1',
      table: 'chat',
      connectionString: 'postgresql://u:p%40ss@db.example:6543/app?sslmode=require',
    });
    expect(optionsFromUrl(parseStoreUrl('postgres://localhost/app')).connectionString).toBe('postgres://localhost/app');
  });

  it('takes historyCacheBytes (0 or a positive integer) and removes it before pg sees the URL', async () => {
    expect(optionsFromUrl(parseStoreUrl('postgres://h/d?historyCacheBytes=0&sslmode=disable'))).toEqual({
      historyCacheBytes: 0,
      connectionString: 'postgres://h/d?sslmode=disable',
    });
    expect(optionsFromUrl(parseStoreUrl('postgres://h/d?historyCacheBytes=4096')).historyCacheBytes).toBe(4096);
    for (const bad of ['-1', 'lots', '1.5'])
      expect(() => optionsFromUrl(parseStoreUrl(`postgres://h/d?historyCacheBytes=${bad}`)), bad).toThrow(
        InvalidArgumentError,
      );
    const store = new PostgresSessionStore('postgres://h/d'); // connects on first use: never here
    expect(store.options.historyCacheBytes).toBe(DEFAULT_HISTORY_CACHE_BYTES);
    await store.close();
  });

  it('refuses a bad schema or table parameter', async () => {
    // By code, not class, for the same reason as above (a dist copy would throw core's dist class).
    await expect(openSessionStore(withQuery(db.url, { table: 'no-dashes' }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'table',
    });
    expect(() => optionsFromUrl(parseStoreUrl('postgres://h/d?schema=a&schema=b'))).toThrow(InvalidArgumentError);
  });
});
