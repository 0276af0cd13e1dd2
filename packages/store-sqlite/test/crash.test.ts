/**
 * A writer killed with SIGKILL at random moments, 50 times: every session loads as a complete committed version,
 * none older than acknowledged, the next save needs no wait, and once the last connection closed the folder holds
 * the database file alone (no -wal, -shm or -journal left).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCrashSafety } from '@agent-sessions/test-services/reliability';
import { tempDir } from './helpers.js';

const root = tempDir('crash');
const dirOf = (namespace: string) => {
  const dir = join(root, namespace);
  mkdirSync(dir, { recursive: true });
  return dir;
};

describeCrashSafety('sqlite', {
  spec: (namespace) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createSqliteStore',
    options: { path: join(dirOf(namespace), 'sessions.db') },
  }),
  // A write lock of the dead writer that had to be waited for would fail the save within a second.
  checkOptions: { busyTimeoutMs: 1_000 },
  leftovers: async (namespace) => readdirSync(dirOf(namespace)).filter((n) => n !== 'sessions.db'),
});
