import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSessionStoreConformance, testEncryption } from '@agent-sessions/core/conformance';
import { saveInChildProcess } from '@agent-sessions/test-services';
import Database from 'better-sqlite3';
import { SqliteSessionStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir('conformance');
const file = (namespace: string) => join(dir, `${namespace}.db`);
// Small enough that the suite exercises SessionTooLargeError, large enough for its 5 MB round trip.
const maxDocumentBytes = 8 * 1024 * 1024;
const adapter = fileURLToPath(new URL('../src/index.ts', import.meta.url));

// Twice: with the default memory of what the store last read or wrote (saves compare messages by value), and without
// it (historyCacheBytes 0: every save verifies the stored history by hashing the caller's messages).
// A third time with encryption at rest (heads, segments and names sealed).
for (const [name, historyCacheBytes, encryption] of [
  ['sqlite', undefined, undefined],
  ['sqlite without remembered histories', 0, undefined],
  ['sqlite encrypted', undefined, testEncryption()],
] as const)
  describeSessionStoreConformance(name, {
    encryption,
    create: async (namespace, common) =>
      new SqliteSessionStore({ ...common, path: file(namespace), maxDocumentBytes, historyCacheBytes }),
    destroy: async (_store, namespace) => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file(namespace)}${suffix}`, { force: true });
    },
    // Everything stored for the session: its row (head JSON and summary columns) and its message rows.
    rawRead: async (namespace, id) => {
      const db = new Database(file(namespace), { readonly: true });
      try {
        const row = db.prepare('SELECT * FROM agent_sessions WHERE id = ?').get(id) as { key: number } | undefined;
        if (!row) return null;
        const messages = db
          .prepare('SELECT json FROM agent_sessions_messages WHERE session_key = ? ORDER BY seq')
          .pluck()
          .all(row.key);
        return `${JSON.stringify(row)}\n${messages.join('\n')}`;
      } finally {
        db.close();
      }
    },
    damage: async (namespace, id) => {
      const db = new Database(file(namespace));
      try {
        db.prepare('UPDATE agent_sessions SET head = substr(head, 1, 20) WHERE id = ?').run(id);
      } finally {
        db.close();
      }
    },
    rawSegments: async (namespace, id) => {
      const db = new Database(file(namespace), { readonly: true });
      try {
        return db
          .prepare(
            'SELECT m.json FROM agent_sessions_messages m JOIN agent_sessions s ON s.key = m.session_key ' +
              'WHERE s.id = ? ORDER BY m.seq',
          )
          .pluck()
          .all(id) as string[];
      } finally {
        db.close();
      }
    },
    saveFromAnotherProcess: async (namespace, doc, common) => {
      await saveInChildProcess(adapter, `sqlite:${file(namespace)}`, doc, common?.encryption);
    },
    capabilities: { maxDocumentBytes },
  });
