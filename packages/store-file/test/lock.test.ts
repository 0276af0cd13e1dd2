/** The per-session lock file: stale locks are recovered, live ones are waited for within a bound. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, StoreUnavailableError } from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { FileSessionStore, META_DIR } from '../src/index.js';
import { HOST_TAG } from '../src/layout.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('lock');

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid as number;
}

/** A folder holding session `s` at revision 1 and a lock file for it with the given content. */
async function lockedFolder(content: string): Promise<{ dir: string; lock: string; store: FileSessionStore }> {
  const dir = newDir();
  // A long staleLockMs: only what the test sets up may make the lock stale.
  const store = new FileSessionStore({ dir, lockTimeoutMs: 150, staleLockMs: 60_000 });
  await store.save(createSession({ id: 's', name: 'first' }));
  const lock = join(dir, META_DIR, 's.lock');
  mkdirSync(join(dir, META_DIR), { recursive: true });
  writeFileSync(lock, content);
  return { dir, lock, store };
}

const lockOf = (pid: number, host = HOST_TAG) => JSON.stringify({ pid, host, token: 'someone-else' });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe('session locks', () => {
  it('a lock left by a dead process on this machine is broken at once', async () => {
    const { store, lock } = await lockedFolder(lockOf(deadPid()));
    expect(await store.save(createSession({ id: 's', name: 'second' }), { expectedRevision: 1 })).toEqual({
      revision: 2,
    });
    expect(existsSync(lock)).toBe(false);
  });

  it('a live holder is waited for, then StoreUnavailableError names the lock file; nothing is written', async () => {
    const { store, lock } = await lockedFolder(lockOf(process.pid));
    const error = await store.save(createSession({ id: 's', name: 'second' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).transient).toBe(true);
    expect((error as Error).message).toContain(lock);
    expect(await store.get('s')).toMatchObject({ revision: 1, session: { config: { name: 'first' } } });
    // Someone else's lock is never deleted by a writer that gave up.
    expect(JSON.parse(readFileSync(lock, 'utf8')).token).toBe('someone-else');
  });

  it('a lock of another machine (or a hung process) is broken once older than staleLockMs', async () => {
    const { store, lock } = await lockedFolder(lockOf(1, 'ffffffff'));
    expect(await store.save(createSession({ id: 's' })).catch((e: unknown) => e)).toBeInstanceOf(StoreUnavailableError);
    utimesSync(lock, minutesAgo(2), minutesAgo(2));
    expect(await store.save(createSession({ id: 's' }))).toEqual({ revision: 2 });
  });

  it('a stale lock is recovered even when a process died while breaking it', async () => {
    const dead = deadPid();
    const { store, dir } = await lockedFolder(lockOf(dead));
    writeFileSync(join(dir, META_DIR, '.break.lock'), lockOf(dead));
    expect(await store.save(createSession({ id: 's' }))).toEqual({ revision: 2 });
    expect(readdirSync(join(dir, META_DIR)).sort()).toEqual(['s.rev']);
  });

  it('an empty lock (its writer died between create and write) is broken once old', async () => {
    const { store, lock } = await lockedFolder('');
    utimesSync(lock, minutesAgo(2), minutesAgo(2));
    expect(await store.appendMessages('s', [])).toEqual({ revision: 2 });
  });

  it('many concurrent writers in one process queue on the lock and all succeed', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.save(createSession({ id: 'q', name: `n${i}` }))),
    );
    expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(readdirSync(join(dir, META_DIR))).toEqual(['q.rev']);
  });
});
