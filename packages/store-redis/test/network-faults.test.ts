/**
 * A redis-server this test starts (no persistence), reached through a fault proxy: paused, slowed, cut and
 * refused connections, bounded failures, recovery of the same store, no leaked sockets.
 */
import { describeNetworkFaults } from '@agent-sessions/test-services/reliability';
import { afterAll, beforeAll } from 'vitest';
import { RedisSessionStore } from '../src/index.js';
import { type RedisProcess, startRedis } from './servers.js';

let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => server?.cleanup());

describeNetworkFaults('redis', {
  upstream: () => ({ host: '127.0.0.1', port: server.port }),
  create: async (via, namespace, operationTimeoutMs) =>
    new RedisSessionStore({ url: `redis://${via.host}:${via.port}`, prefix: `${namespace}:`, operationTimeoutMs }),
});
