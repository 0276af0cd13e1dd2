import { fileURLToPath } from 'node:url';
import { describeSessionStoreConformance, testEncryption } from '@agent-sessions/core/conformance';
import { saveInChildProcess } from '@agent-sessions/test-services';
import { afterAll, beforeAll } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { conformanceHooks, openTestDatabase, type TestDatabase, withQuery } from './helpers.js';

// One schema for the run, one table (plus its messages and migrations tables) per conformance namespace, every
// store on one shared pool (which the stores therefore never end). A smaller document limit than the default lets the
// suite check SessionTooLargeError without building a 64 MiB document; the suite's largest valid document is ~5 MB.
const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;
const adapter = fileURLToPath(new URL('../src/index.ts', import.meta.url));
let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('conformance');
});
afterAll(async () => {
  await db?.cleanup();
});

// Twice: in clear, and with encryption at rest (heads, segments and names sealed).
for (const encryption of [undefined, testEncryption()])
  describeSessionStoreConformance(encryption ? 'postgres encrypted' : 'postgres', {
    encryption,
    create: async (namespace, common) =>
      new PostgresSessionStore({
        ...common,
        pool: db.pool,
        schema: db.schema,
        table: namespace,
        maxDocumentBytes: MAX_DOCUMENT_BYTES,
      }),
    ...conformanceHooks(() => db),
    saveFromAnotherProcess: async (namespace, doc, common) => {
      await saveInChildProcess(
        adapter,
        withQuery(db.url, { schema: db.schema, table: namespace }),
        doc,
        common?.encryption,
      );
    },
    capabilities: { maxDocumentBytes: MAX_DOCUMENT_BYTES },
  });
