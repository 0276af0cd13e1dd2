/**
 * Three processes, each with its own client, on one prefix of a server that honours conditional writes (s3rver
 * behind the conditional-write gateway when the test server does not): no lost update, one winner per create round.
 */
import { fileURLToPath } from 'node:url';
import { describeLostUpdates } from '@agent-sessions/test-services/reliability';
import { afterAll } from 'vitest';
import { conditionalTarget } from './support/conditional-target.js';
import { emptyPrefix, rawClient, runPrefix, storeOptions } from './support/s3.js';
import { s3Service } from './support/service.js';

const s3 = await s3Service();
const { target } = await conditionalTarget(s3);
const prefix = runPrefix('lost-updates');
const raw = rawClient(s3);
afterAll(async () => {
  await emptyPrefix(raw, s3.bucket, prefix);
  raw.destroy();
});

describeLostUpdates('s3', {
  spec: (namespace) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createS3Store',
    options: { ...storeOptions(target, `${prefix}${namespace}/`), operationTimeoutMs: 60_000 },
  }),
  createSlotMs: 60,
});
