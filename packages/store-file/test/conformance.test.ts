import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describeSessionStoreConformance, testEncryption } from '@agent-sessions/core/conformance';
import { afterAll } from 'vitest';
import { FileSessionStore, V1_SESSIONS_DIR } from '../src/index.js';
import { sessionFileName, v1FileName } from '../src/layout.js';

// Each namespace is a subfolder of one temp folder; fsync stays on so the suite exercises the real write path.
const root = mkdtempSync(join(tmpdir(), `store-file-conformance-${process.pid}-`));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// Small enough that the suite's too-large test runs, far above anything else it writes.
const maxDocumentBytes = 8 * 1024 * 1024;

// Twice: in clear (a3s-code's own files), and with encryption at rest (sealed files a3s-code cannot read).
for (const encryption of [undefined, testEncryption()])
  describeSessionStoreConformance(encryption ? 'file encrypted' : 'file', {
    encryption,
    create: async (namespace, common) =>
      new FileSessionStore({ ...common, dir: join(root, namespace), maxDocumentBytes }),
    destroy: async (_store, namespace) => rm(join(root, namespace), { recursive: true, force: true }),
    // The bytes of whichever file holds the session: v1 (the default layout) or the legacy name.
    rawRead: async (namespace, id) => {
      for (const path of [
        join(root, namespace, V1_SESSIONS_DIR, v1FileName(id)),
        join(root, namespace, sessionFileName(id)),
      ])
        try {
          return await readFile(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      return null;
    },
    // Truncates the file another program would have left half-written.
    damage: async (namespace, id) => {
      const path = join(root, namespace, V1_SESSIONS_DIR, v1FileName(id));
      await writeFile(path, (await readFile(path, 'utf8')).slice(0, 40));
    },
    capabilities: { atomicRevisions: true, concurrentWriters: true, maxDocumentBytes },
  });
