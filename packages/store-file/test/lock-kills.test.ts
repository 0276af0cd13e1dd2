/**
 * A process killed (SIGKILL) at any moment of a lock's life never wedges the session: the next save from another
 * process succeeds at once and leaves no lock, breaker or temp file behind.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession, StoreUnavailableError } from '@agent-sessions/core';
import { describe, expect, it } from 'vitest';
import { FileSessionStore, META_DIR, V1_SESSIONS_DIR } from '../src/index.js';
import { v1FileName } from '../src/layout.js';
import { type LockStep, setLockProbe } from '../src/lock.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('lock-kills');
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const worker = fileURLToPath(new URL('./workers/lock-killer.ts', import.meta.url));

/** Runs the worker until it exits; resolves with its exit code or the signal that ended it. */
function saveAndDieAt(dir: string, step: LockStep): Promise<{ code: number | null; signal: string | null }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@agent-sessions/source', '--import', 'tsx', worker, dir, 's', `killed at ${step}`],
    { cwd: packageDir, env: { ...process.env, KILL_AT: step }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Each case: the steps at which earlier processes died (leaving what they leave), then the step at which the last
 * one dies. The breaker is only taken to break a stale lock, so its cases start with a holder that died.
 */
const cases: { setup: LockStep[]; step: LockStep }[] = [
  ...(['lock-temp-created', 'lock-temp-written', 'lock-linked', 'lock-held'] as const).map((step) => ({
    setup: [],
    step,
  })),
  ...(
    [
      'breaker-temp-created',
      'breaker-temp-written',
      'breaker-linked',
      'breaker-held',
      'stale-lock-judged',
      'stale-lock-moved',
      'stale-lock-removed',
      'breaker-released',
    ] as const
  ).map((step) => ({ setup: ['lock-held'] as LockStep[], step })),
  ...(['stale-breaker-judged', 'stale-breaker-moved', 'stale-breaker-removed'] as const).map((step) => ({
    setup: ['lock-held', 'breaker-held'] as LockStep[],
    step,
  })),
];

/** Every name in the folder, its metadata folder and its v1 sessions folder, the latter two with their folder. */
function names(dir: string): string[] {
  const inside = (sub: string) => readdirSync(join(dir, sub)).map((n) => join(sub, n));
  return [...readdirSync(dir), ...inside(META_DIR), ...inside(V1_SESSIONS_DIR)].sort();
}

describe('a process killed during its lock', () => {
  for (const { setup, step } of cases) {
    it(`${setup.length > 0 ? `after deaths at ${setup.join(', ')}, ` : ''}killed at ${step}`, async () => {
      const dir = newDir();
      await new FileSessionStore({ dir, fsync: false }).save(createSession({ id: 's', name: 'first' }));
      for (const at of [...setup, step]) {
        // SIGKILL proves the child reached that step; an exit code would mean it never did (or failed earlier).
        expect(await saveAndDieAt(dir, at)).toEqual({ code: null, signal: 'SIGKILL' });
      }
      // A wait for the dead owner would end in StoreUnavailableError after 1 s: staleLockMs is out of reach.
      const store = new FileSessionStore({ dir, lockTimeoutMs: 1_000, staleLockMs: 600_000, staleTempMs: 600_000 });
      expect(await store.save(createSession({ id: 's', name: 'after' }), { expectedRevision: 1 })).toEqual({
        revision: 2,
      });
      expect(await store.load('s')).toMatchObject({ config: { name: 'after' } });
      expect(names(dir)).toEqual([META_DIR, `${META_DIR}/s.rev`, 'v1', join(V1_SESSIONS_DIR, v1FileName('s'))]);
    });
  }
});

describe('breaking a stale lock', () => {
  it('a lock that was released and taken again after it was judged stale is put back, not deleted', async () => {
    const dir = newDir();
    await new FileSessionStore({ dir, fsync: false }).save(createSession({ id: 's' }));
    expect(await saveAndDieAt(dir, 'lock-held')).toEqual({ code: null, signal: 'SIGKILL' });
    const lock = join(dir, META_DIR, 's.lock');
    const live = JSON.stringify({ pid: process.pid, host: 'ffffffff', token: 'live' });
    // Between the judgment and the removal, the dead holder's lock gives way to a live one.
    setLockProbe((at) => {
      if (at !== 'stale-lock-judged') return;
      setLockProbe(null);
      writeFileSync(`${lock}.new`, live);
      renameSync(`${lock}.new`, lock);
    });
    try {
      const store = new FileSessionStore({ dir, lockTimeoutMs: 300, staleLockMs: 600_000 });
      const error = await store.save(createSession({ id: 's', name: 'late' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(readFileSync(lock, 'utf8')).toBe(live);
      expect(await store.get('s')).toMatchObject({ revision: 1 });
      expect(names(dir).filter((n) => n.endsWith('.as-tmp') || n.endsWith('.break.lock'))).toEqual([]);
    } finally {
      setLockProbe(null);
    }
  });
});
