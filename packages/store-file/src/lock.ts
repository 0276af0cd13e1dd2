/**
 * A per-session write lock that holds across processes on one folder: a lock file created with O_EXCL
 * (`open(path, 'wx')`), which exactly one process can create, holding our host tag, pid and a random token.
 *
 * Stale locks (the holder died): a lock of a dead process on this machine, or any lock older than `staleMs`, is
 * removed and the acquisition retried. Two processes may judge the same lock stale at once; to stop the slower
 * one from deleting the fresh lock the faster one just made, removal happens under a second O_EXCL file (one per
 * folder, `.break.lock`), where the lock is judged again before it is deleted. Release deletes the lock only while
 * it still holds our token, so a writer whose lock was broken never deletes its successor's.
 *
 * Within one process, writers of the same lock path queue on a promise chain first, so they do not poll the file.
 * Lock files are tiny and local: they are created, read and removed with synchronous calls (microseconds on a
 * local disk; an asynchronous call costs a thread-pool round trip several times that, three or four per lock).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreUnavailableError } from '@agent-sessions/core/adapter';
import { errorCode, isMissing, isProcessAlive, sleep } from './fs-utils.js';
import { HOST_TAG } from './layout.js';

export interface LockOptions {
  timeoutMs: number;
  staleMs: number;
  /** Creates the folder of the lock file when it is missing. */
  ensureDir(): Promise<void>;
  sessionId: string;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
}

const queues = new Map<string, Promise<void>>();

function parseLock(text: string): LockContent | null {
  try {
    const v = JSON.parse(text) as Partial<LockContent>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') return v as LockContent;
  } catch {
    // an empty or half-written lock: judged by age alone
  }
  return null;
}

/** Whether the lock at `path` is stale; 'gone' when it no longer exists. */
function judge(path: string, staleMs: number): { stale: boolean; holder: LockContent | null } | 'gone' {
  let text: string;
  let mtimeMs: number;
  try {
    ({ mtimeMs } = statSync(path));
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return 'gone';
    throw error;
  }
  const holder = parseLock(text);
  const deadHere = holder !== null && holder.host === HOST_TAG && !isProcessAlive(holder.pid);
  return { stale: deadHere || Date.now() - mtimeMs > staleMs, holder };
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or not ours to remove
  }
}

/**
 * Removes the lock at `path` if it is still stale, under the folder's breaker file. Returns false when another
 * process is breaking a lock right now (the caller waits and retries). A breaker left by a process that died is
 * judged like a lock.
 */
function breakStale(path: string, staleMs: number): boolean {
  const breaker = join(dirname(path), '.break.lock');
  try {
    writeFileSync(breaker, JSON.stringify({ pid: process.pid, host: HOST_TAG, token: 'breaker' }), { flag: 'wx' });
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    const verdict = judge(breaker, staleMs);
    if (verdict !== 'gone' && verdict.stale) tryUnlink(breaker);
    return false;
  }
  try {
    const verdict = judge(path, staleMs);
    if (verdict !== 'gone' && verdict.stale) tryUnlink(path);
    return true;
  } finally {
    tryUnlink(breaker);
  }
}

interface Held {
  token: string;
  since: number;
}

async function acquire(path: string, options: LockOptions): Promise<Held> {
  const token = randomBytes(8).toString('hex');
  const content = JSON.stringify({ pid: process.pid, host: HOST_TAG, token, at: new Date().toISOString() });
  const deadline = Date.now() + options.timeoutMs;
  let delay = 1;
  let createdDir = false;
  for (;;) {
    try {
      writeFileSync(path, content, { flag: 'wx' });
      return { token, since: Date.now() };
    } catch (error) {
      if (isMissing(error) && !createdDir) {
        await options.ensureDir();
        createdDir = true;
        continue;
      }
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const verdict = judge(path, options.staleMs);
    if (verdict === 'gone') continue;
    if (verdict.stale && breakStale(path, options.staleMs)) continue;
    if (Date.now() >= deadline) {
      const who = verdict.holder ? `process ${verdict.holder.pid}` : 'another process';
      throw new StoreUnavailableError(
        `file: session "${options.sessionId}" stayed locked by ${who} for ${options.timeoutMs} ms (lock file ${path}); ` +
          'if no program is writing that session, delete the lock file',
        { backend: 'file', sessionId: options.sessionId },
      );
    }
    // Jitter keeps two polling processes from waking in lockstep.
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 16);
  }
}

/**
 * Deletes our lock. Within half of `staleMs` nobody can have judged it stale by age (and we are alive), so it is
 * still ours and goes at once; a writer slower than that first checks the token, so that it never deletes a lock
 * that replaced its own. Never throws: the caller's write already happened, and a lock that could not be deleted
 * is broken as stale by the next writer.
 */
function release(path: string, held: Held, staleMs: number): void {
  try {
    if (Date.now() - held.since < staleMs / 2 || parseLock(readFileSync(path, 'utf8'))?.token === held.token)
      unlinkSync(path);
  } catch {
    // see above
  }
}

/** Runs `fn` while holding the lock at `path` (in this process and across processes). */
export async function withLock<T>(path: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tail = previous.then(() => mine);
  queues.set(path, tail);
  try {
    await previous;
    const held = await acquire(path, options);
    try {
      return await fn();
    } finally {
      release(path, held, options.staleMs);
    }
  } finally {
    done();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
