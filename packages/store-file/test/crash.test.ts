/**
 * A writer killed with SIGKILL at random moments, 50 times: every session loads as a complete committed version,
 * none older than acknowledged, the next save needs no wait, and no temp or lock file stays behind.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCrashSafety } from '@agent-sessions/test-services/reliability';
import { META_DIR, V1_SESSIONS_DIR } from '../src/index.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('crash');
const dirs = new Map<string, string>();
const dirOf = (namespace: string) => {
  if (!dirs.has(namespace)) dirs.set(namespace, newDir());
  return dirs.get(namespace) as string;
};

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

describeCrashSafety('file', {
  spec: (namespace) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createFileStore',
    options: { dir: dirOf(namespace) },
  }),
  // A lock of the dead writer that had to be waited for would fail the save within a second.
  checkOptions: { lockTimeoutMs: 1_000, staleLockMs: 600_000, staleTempMs: 600_000 },
  // A kill before the child's first write leaves no folder at all (the store creates it on the first write): nothing
  // is left behind then, which is what this checks.
  leftovers: async (namespace) => {
    const dir = dirOf(namespace);
    const top = entries(dir).filter((n) => n !== META_DIR && n !== 'v1' && !n.endsWith('.json'));
    const meta = entries(join(dir, META_DIR)).filter((n) => !n.endsWith('.rev'));
    const v1 = entries(join(dir, V1_SESSIONS_DIR)).filter((n) => !n.endsWith('.json'));
    return [...top, ...meta.map((n) => `${META_DIR}/${n}`), ...v1.map((n) => join(V1_SESSIONS_DIR, n))];
  },
});
