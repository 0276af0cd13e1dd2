/** 10,000 saves of distinct 200-message sessions: the heap stays within the remembered-history budget. */
import { fileURLToPath } from 'node:url';
import { describeMemoryBound } from '@agent-sessions/test-services/reliability';
import { afterAll, beforeAll } from 'vitest';
import { type RedisProcess, startRedis } from './servers.js';

// A server of its own: the run writes some 150 MB, which a shared server need not hold.
let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => server?.cleanup());

describeMemoryBound('redis', {
  spec: (namespace, historyCacheBytes) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createRedisStore',
    options: { url: server.url, prefix: `${namespace}:`, historyCacheBytes },
  }),
});
