import { describeSessionStoreConformance } from '@agent-sessions/core/conformance';
import { afterAll, beforeAll } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { conformanceHooks, openTestDatabase, type TestDatabase } from './helpers.js';

// One schema for the run, one table (plus its messages and migrations tables) per conformance namespace, every
// store on one shared pool (which the stores therefore never end). A smaller document limit than the default lets the
// suite check SessionTooLargeError without building a 64 MiB document; the suite's largest valid document is ~5 MB.
const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;
let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('conformance');
});
afterAll(async () => {
  await db?.cleanup();
});

describeSessionStoreConformance('postgres', {
  create: async (namespace) =>
    new PostgresSessionStore({
      pool: db.pool,
      schema: db.schema,
      table: namespace,
      maxDocumentBytes: MAX_DOCUMENT_BYTES,
    }),
  ...conformanceHooks(() => db),
  capabilities: { maxDocumentBytes: MAX_DOCUMENT_BYTES },
});
