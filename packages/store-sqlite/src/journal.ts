/**
 * Puts a file database in WAL mode: readers never block the writer, and a crash mid-write leaves the last commit
 * intact. The switch needs an exclusive lock taken on top of a shared one, and SQLite refuses that upgrade at once
 * with SQLITE_BUSY, without calling the busy handler (to avoid a deadlock), while another connection is mid-write:
 * for example a second process migrating the same new file. So a busy switch is retried until the busy timeout ends.
 */
import type Database from 'better-sqlite3';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms`: the store opens in its constructor, which cannot await. */
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      // Already WAL (the mode is stored in the file): nothing to switch, no exclusive lock needed.
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      // Short, growing, jittered pauses: the other connection's migration takes milliseconds.
      sleepSync(Math.min(2 ** attempt, 50) * (0.5 + Math.random()));
    }
  }
}
