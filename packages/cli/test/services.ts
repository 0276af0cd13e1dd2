/** Redis and PostgreSQL namespaces for one test run, and their removal. */
import { getPostgres, getRedis, uniqueNamespace } from '@agent-sessions/test-services';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface Namespace {
  url: string;
  drop(): Promise<void>;
}

/** A PostgreSQL store URL in a schema of its own; `drop` removes the schema. */
export async function postgresNamespace(): Promise<Namespace> {
  const service = await getPostgres();
  const schema = uniqueNamespace('cli');
  const separator = service.url.includes('?') ? '&' : '?';
  return {
    url: `${service.url}${separator}schema=${schema}&table=sessions`,
    async drop() {
      const client = new pg.Client({
        connectionString: service.url,
        connectionTimeoutMillis: 5000,
        query_timeout: 10_000,
      });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A Redis store URL under a prefix of its own; `drop` deletes every key under it (SCAN, never KEYS). */
export async function redisNamespace(): Promise<Namespace> {
  const service = await getRedis();
  const prefix = uniqueNamespace('cli');
  const separator = service.url.includes('?') ? '&' : '?';
  return {
    url: `${service.url}${separator}prefix=${prefix}`,
    async drop() {
      const redis = new Redis(service.url, {
        lazyConnect: true,
        connectTimeout: 5000,
        commandTimeout: 10_000,
        maxRetriesPerRequest: 1,
      });
      await redis.connect();
      try {
        // Keys may carry a hash tag around the prefix: match anything that contains it.
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
