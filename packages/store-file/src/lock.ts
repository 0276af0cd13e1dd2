/**
 * A per-session write lock that holds across processes on one folder.
 *
 * Taking it: the owner (our host tag, pid and a random token) is written to a temp file of our own, which is then
 * hard-linked to the lock path. `link()` fails with EEXIST when the path exists, so exactly one process gets the
 * lock, and the lock appears with its whole content at once: a process killed at any moment leaves no lock or a
 * lock that names it, never an empty one that only its age could judge. The temp is unlinked right after; one left
 * by a kill carries the dead pid in its name and goes with the store's temp cleanup. File systems without hard
 * links (FAT, some network shares) fall back on `open(path, 'wx')` and a write, where a kill in between leaves an
 * empty lock that is broken once older than `staleMs`.
 *
 * Stale locks (the holder died): a lock of a dead process on this machine, or any lock older than `staleMs`, is
 * removed and the acquisition retried. Two processes may judge the same lock stale at once; to stop the slower
 * one from deleting the fresh lock the faster one just made, removal happens under a second lock (one per folder,
 * `.break.lock`, taken the same way), where the lock is judged again. Even then its holder may release it and a
 * third process take it between that judgment and the removal, so the lock is moved aside by rename and, when the
 * moved file is not the one judged stale, linked back. A breaker left by a process that died is judged like a lock.
 * Release deletes the lock only while it still holds our token, so a writer whose lock was broken never deletes
 * its successor's.
 *
 * Within one process, writers of the same lock path queue on a promise chain first, so they do not poll the file.
 * Lock files are tiny and local: they are created, read and removed with synchronous calls (microseconds on a
 * local disk; an asynchronous call costs a thread-pool round trip several times that, several per lock).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreUnavailableError } from '@agent-sessions/core/adapter';
import { errorCode, isMissing, isProcessAlive, sleep } from './fs-utils.js';
import { HOST_TAG, tempName } from './layout.js';

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

/** The folder-wide lock held while a stale session lock is judged and removed. */
export const BREAKER_NAME = '.break.lock';

/**
 * The moments of a lock's life, in order, for tests that kill a process at each of them
 * ({@link setLockProbe}). `lock-*`: taking a session lock; `breaker-*`: taking the breaker; `stale-lock-*` and
 * `stale-breaker-*`: moving a stale lock (or breaker) aside and deleting it; `breaker-released` once the breaker is
 * gone again.
 */
export type LockStep =
  | 'lock-temp-created'
  | 'lock-temp-written'
  | 'lock-linked'
  | 'lock-held'
  | 'breaker-temp-created'
  | 'breaker-temp-written'
  | 'breaker-linked'
  | 'breaker-held'
  | 'stale-lock-judged'
  | 'stale-lock-moved'
  | 'stale-lock-removed'
  | 'stale-breaker-judged'
  | 'stale-breaker-moved'
  | 'stale-breaker-removed'
  | 'breaker-released';

let probe: ((step: LockStep) => void) | null = null;

/**
 * Test seam, not part of the package's API: `fn` is called synchronously at each {@link LockStep} of this process's
 * locks (a crash test kills the process there). `null` removes it.
 */
export function setLockProbe(fn: ((step: LockStep) => void) | null): void {
  probe = fn;
}

const queues = new Map<string, Promise<void>>();

// link() on a file system without hard links: EPERM (FAT, vfat), ENOTSUP/EOPNOTSUPP (some FUSE and network shares).
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

function parseLock(text: string): LockContent | null {
  try {
    const v = JSON.parse(text) as Partial<LockContent>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') return v as LockContent;
  } catch {
    // an empty or half-written lock (only the fallback without hard links, or an older version, leaves one)
  }
  return null;
}

function ownerContent(token: string): string {
  return JSON.stringify({ pid: process.pid, host: HOST_TAG, token, at: new Date().toISOString() });
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or not ours to remove
  }
}

/** Writes `content` to a new temp file of ours in `dir` (named for cleanup: host tag, pid) and returns its path. */
function writeTemp(dir: string, stem: string, content: string, kind: 'lock' | 'breaker'): string {
  const temp = join(dir, tempName(stem));
  const fd = openSync(temp, 'wx');
  try {
    probe?.(`${kind}-temp-created`);
    const bytes = Buffer.from(content);
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    probe?.(`${kind}-temp-written`);
  } catch (error) {
    closeSync(fd);
    tryUnlink(temp);
    throw error;
  }
  closeSync(fd);
  return temp;
}

/**
 * Creates `path` holding `content` unless it exists: true when this call created it. The file appears complete
 * (temp file, then link), see the module comment.
 */
function createExclusive(path: string, content: string, kind: 'lock' | 'breaker'): boolean {
  const stem = kind === 'lock' ? basename(path).slice(0, 64) : 'break';
  const temp = writeTemp(dirname(path), stem, content, kind);
  try {
    linkSync(temp, path);
    probe?.(`${kind}-linked`);
    return true;
  } catch (error) {
    const code = errorCode(error) ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw error;
  } finally {
    tryUnlink(temp);
  }
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

interface Verdict {
  stale: boolean;
  holder: LockContent | null;
  ino: bigint;
}

/** Whether the lock at `path` is stale; 'gone' when it no longer exists. */
function judge(path: string, staleMs: number): Verdict | 'gone' {
  let text: string;
  let mtimeMs: number;
  let ino: bigint;
  try {
    const st = statSync(path, { bigint: true });
    mtimeMs = Number(st.mtimeMs);
    ino = st.ino;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return 'gone';
    throw error;
  }
  const holder = parseLock(text);
  const deadHere = holder !== null && holder.host === HOST_TAG && !isProcessAlive(holder.pid);
  return { stale: deadHere || Date.now() - mtimeMs > staleMs, holder, ino };
}

/**
 * Deletes the lock (or breaker) at `path` if it is still the file `ino` that was judged stale: moved aside by
 * rename first (atomic: whatever is at the path then is what we hold), and linked back when it turns out to be a
 * newer one. Best effort: a lock that cannot be removed is waited for, and the wait ends with a clear error.
 */
function removeIfStill(path: string, ino: bigint, kind: 'lock' | 'breaker'): void {
  probe?.(`stale-${kind}-judged`);
  const aside = join(dirname(path), tempName('broken'));
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already (someone else broke or released it), or not removable
  }
  probe?.(`stale-${kind}-moved`);
  try {
    if (statSync(aside, { bigint: true }).ino !== ino) linkSync(aside, path);
  } catch {
    // the path was taken again meanwhile: that newer lock stays, ours is only the moved copy
  } finally {
    tryUnlink(aside);
  }
  probe?.(`stale-${kind}-removed`);
}

function readToken(path: string): string | null {
  try {
    return parseLock(readFileSync(path, 'utf8'))?.token ?? null;
  } catch {
    return null;
  }
}

/**
 * Removes the lock at `path` if it is still stale, under the folder's breaker. Returns false when another process
 * is breaking a lock right now (the caller waits and retries).
 */
function breakStale(path: string, staleMs: number): boolean {
  const breaker = join(dirname(path), BREAKER_NAME);
  const token = randomBytes(8).toString('hex');
  if (!createExclusive(breaker, ownerContent(token), 'breaker')) {
    removeDeadBreaker(dirname(path), staleMs);
    return false;
  }
  probe?.('breaker-held');
  try {
    const verdict = judge(path, staleMs);
    if (verdict !== 'gone' && verdict.stale) removeIfStill(path, verdict.ino, 'lock');
    return true;
  } finally {
    if (readToken(breaker) === token) tryUnlink(breaker);
    probe?.('breaker-released');
  }
}

/**
 * Removes the breaker of the folder `dir` when its holder died (or it is older than `staleMs`). A dead breaker
 * blocks nothing (the next lock to break removes it first), but it should not outlive the crash: stores call this
 * once, with their temp cleanup.
 */
export function removeDeadBreaker(dir: string, staleMs: number): void {
  const breaker = join(dir, BREAKER_NAME);
  try {
    const verdict = judge(breaker, staleMs);
    if (verdict !== 'gone' && verdict.stale) removeIfStill(breaker, verdict.ino, 'breaker');
  } catch {
    // best effort, as for temp files
  }
}

interface Held {
  token: string;
  since: number;
}

async function acquire(path: string, options: LockOptions): Promise<Held> {
  const token = randomBytes(8).toString('hex');
  const content = ownerContent(token);
  const deadline = Date.now() + options.timeoutMs;
  let delay = 1;
  let createdDir = false;
  for (;;) {
    try {
      if (createExclusive(path, content, 'lock')) return { token, since: Date.now() };
    } catch (error) {
      if (isMissing(error) && !createdDir) {
        await options.ensureDir();
        createdDir = true;
        continue;
      }
      throw error;
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
    if (Date.now() - held.since < staleMs / 2 || readToken(path) === held.token) unlinkSync(path);
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
      probe?.('lock-held');
      return await fn();
    } finally {
      release(path, held, options.staleMs);
    }
  } finally {
    done();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
