/** 10,000 saves of distinct 200-message sessions: the heap stays within the remembered-history budget. */
import { fileURLToPath } from 'node:url';
import { describeMemoryBound } from '@agent-sessions/test-services/reliability';
import { afterAll, beforeAll } from 'vitest';
import { openTestDatabase, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('memory');
});
afterAll(() => db?.cleanup());

describeMemoryBound('postgres', {
  spec: (namespace, historyCacheBytes) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createPostgresStore',
    options: {
      connectionString: db.url,
      schema: db.schema,
      table: namespace,
      historyCacheBytes,
      poolConfig: { max: 2 },
    },
  }),
});
