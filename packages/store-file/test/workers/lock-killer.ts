/**
 * A child process that saves one session and SIGKILLs itself at one moment of its lock's life, for the lock crash
 * tests. argv: dir, id, name. env KILL_AT: the lock step (see LockStep in src/lock.ts) to die at. Exits 0 (after
 * printing "saved") only when the save went through without ever reaching that step.
 */
import { createSession } from '@agent-sessions/core';
import { FileSessionStore } from '../../src/index.js';
import { setLockProbe } from '../../src/lock.js';

const [dir, id, name] = process.argv.slice(2) as [string, string, string];
const killAt = process.env.KILL_AT;
setLockProbe((step) => {
  if (step === killAt) process.kill(process.pid, 'SIGKILL');
});
// Locks are only ever stale here because their holder died: a wait would end in StoreUnavailableError quickly.
const store = new FileSessionStore({ dir, fsync: false, lockTimeoutMs: 2_000, staleLockMs: 600_000 });
await store.save(createSession({ id, name }));
process.stdout.write('saved\n');
