/**
 * The test PostgreSQL reached through a fault proxy: paused, slowed, cut and refused connections, bounded
 * failures, recovery of the same store, no leaked sockets.
 */
import { describeNetworkFaults } from '@agent-sessions/test-services/reliability';
import { afterAll, beforeAll } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { openTestDatabase, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('net_faults');
});
afterAll(() => db?.cleanup());

const POOL_MAX = 2;

describeNetworkFaults('postgres', {
  upstream: () => {
    const url = new URL(db.url);
    return { host: url.hostname, port: Number(url.port || 5432) };
  },
  create: async (via, namespace, operationTimeoutMs) => {
    const url = new URL(db.url);
    url.hostname = via.host;
    url.port = String(via.port);
    return new PostgresSessionStore({
      connectionString: url.toString(),
      schema: db.schema,
      table: namespace,
      poolConfig: { max: POOL_MAX },
      operationTimeoutMs,
    });
  },
  connectionsPerStore: POOL_MAX,
});
