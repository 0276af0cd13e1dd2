/** Three processes, each with its own pool, on one table: no lost update, one winner per create round. */
import { fileURLToPath } from 'node:url';
import { describeLostUpdates } from '@agent-sessions/test-services/reliability';
import { afterAll } from 'vitest';
import { openTestDatabase } from './helpers.js';

const db = await openTestDatabase('lost_updates');
afterAll(() => db.cleanup());

describeLostUpdates('postgres', {
  spec: (namespace) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createPostgresStore',
    options: { connectionString: db.url, schema: db.schema, table: namespace, poolConfig: { max: 2 } },
  }),
});
