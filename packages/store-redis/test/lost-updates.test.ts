/** Three processes, each with its own connection, on one prefix: no lost update, one winner per create round. */
import { fileURLToPath } from 'node:url';
import { describeLostUpdates } from '@agent-sessions/test-services/reliability';
import { afterAll } from 'vitest';
import { dropPrefix, redisFixture } from './helpers.js';

const fixture = await redisFixture();
afterAll(async () => {
  fixture.admin.disconnect();
  await fixture.service.stop();
});

describeLostUpdates('redis', {
  spec: (namespace) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createRedisStore',
    options: { url: fixture.service.url, prefix: `${fixture.runPrefix}${namespace}:` },
  }),
  cleanup: (namespace) => dropPrefix(fixture.admin, `${fixture.runPrefix}${namespace}:`),
});
