import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { getPostgres, uniqueNamespace } from '../src/index.js';
import { postgresHelp, postgresProbes } from '../src/postgres.js';
import { resolveService } from '../src/resolve.js';
import { closedPort, noDocker, withEnv } from './helpers.js';

describe('getPostgres', () => {
  it('returns a url where SELECT 1 works and a namespace is a valid schema', async () => {
    const service = await getPostgres();
    const client = new pg.Client({ connectionString: service.url });
    try {
      await client.connect();
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      const schema = uniqueNamespace('test_services');
      await client.query(`CREATE SCHEMA ${schema}`);
      try {
        const found = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
        expect(found.rowCount).toBe(1);
      } finally {
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
      }
    } finally {
      await client.end();
      await service.stop();
    }
  }, 120_000);

  it('uses DATABASE_URL when it is set', async () => {
    const found = await getPostgres();
    try {
      const service = await withEnv({ DATABASE_URL: found.url }, () => getPostgres());
      expect(service.source).toBe('env');
      expect(service.url).toBe(found.url);
    } finally {
      await found.stop();
    }
  }, 120_000);

  it('fails fast, naming DATABASE_URL, when nothing answers and Docker is absent', async () => {
    const port = await closedPort();
    const started = performance.now();
    const error = await resolveService(postgresHelp, postgresProbes({ env: {}, port, docker: noDocker })).catch(
      (e) => e,
    );
    expect(performance.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('set DATABASE_URL');
    expect(error.message).toContain('install and start Docker');
    expect(error.message).toContain('ECONNREFUSED');
  });
});
