/**
 * Three processes, each with its own client, on one prefix of a server that honours conditional writes (s3rver
 * behind the conditional-write gateway when the test server does not): no lost update, one winner per create round.
 */
import { fileURLToPath } from 'node:url';
import { describeLostUpdates } from '@agent-sessions/test-services/reliability';
import { afterAll } from 'vitest';
import { startConditionalGateway } from './support/conditional-gateway.js';
import { emptyPrefix, rawClient, runPrefix, storeOptions } from './support/s3.js';
import { s3Service } from './support/service.js';

const s3 = await s3Service();
const gateway = s3.conditionalWrites ? null : await startConditionalGateway(s3.endpoint);
const target = gateway ? { ...s3, endpoint: gateway.endpoint, conditionalWrites: true } : s3;
const prefix = runPrefix('lost-updates');
const raw = rawClient(s3);
afterAll(async () => {
  await gateway?.stop();
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
