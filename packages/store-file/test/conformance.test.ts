import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSessionStoreConformance } from '@agent-sessions/core/conformance';
import { afterAll } from 'vitest';
import { FileSessionStore } from '../src/index.js';
import { sessionFileName } from '../src/layout.js';

// Each namespace is a subfolder of one temp folder; fsync stays on so the suite exercises the real write path.
const root = mkdtempSync(join(tmpdir(), `store-file-conformance-${process.pid}-`));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// Small enough that the suite's too-large test runs, far above anything else it writes.
const maxDocumentBytes = 8 * 1024 * 1024;

describeSessionStoreConformance('file', {
  create: async (namespace) => new FileSessionStore({ dir: join(root, namespace), maxDocumentBytes }),
  destroy: async (_store, namespace) => rm(join(root, namespace), { recursive: true, force: true }),
  rawRead: async (namespace, id) =>
    readFile(join(root, namespace, sessionFileName(id))).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    }),
  capabilities: { atomicRevisions: true, concurrentWriters: true, maxDocumentBytes },
});
