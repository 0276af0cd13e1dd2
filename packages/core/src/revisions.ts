/** Revision rules every backend shares; the atomic compare-and-write itself is the backend's job. */
import { InvalidArgumentError, SessionConflictError, SessionNotFoundError } from './errors.js';

/** Options of `save` and `appendMessages`. */
export interface WriteOptions {
  /**
   * Optimistic concurrency: the write succeeds only when the stored revision equals this number.
   * `0` means "create: the session must not exist". Omitted: write unconditionally.
   */
  expectedRevision?: number;
}

/** Validates `opts.expectedRevision` and returns it (undefined when absent). */
export function resolveExpectedRevision(opts: WriteOptions | undefined, backend: string): number | undefined {
  if (opts === undefined || opts === null) return undefined;
  if (typeof opts !== 'object')
    throw new InvalidArgumentError('options', 'expected an object such as { expectedRevision: 3 }', { backend });
  const expected = opts.expectedRevision;
  if (expected === undefined) return undefined;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0)
    throw new InvalidArgumentError('expectedRevision', `expected an integer ≥ 0, got ${String(expected)}`, { backend });
  return expected;
}

/**
 * Throws SessionConflictError when `expected` is set and differs from `current` (null: the session does not exist).
 * Backends call it inside their atomic step (a transaction, a lock, a Lua script) where they can.
 */
export function assertRevision(
  id: string,
  expected: number | undefined,
  current: number | null,
  backend: string,
): void {
  if (expected === undefined) return;
  if ((current ?? 0) !== expected) throw new SessionConflictError(id, expected, current, { backend });
}

/** The revision a successful write produces. */
export function nextRevision(current: number | null): number {
  return (current ?? 0) + 1;
}

/**
 * The error for a write that needs an existing session and found none: a conflict when the caller expected a
 * revision (the session was deleted under them), else "not found".
 */
export function missingSessionError(
  id: string,
  expected: number | undefined,
  backend: string,
): SessionConflictError | SessionNotFoundError {
  return expected !== undefined
    ? new SessionConflictError(id, expected, null, { backend })
    : new SessionNotFoundError(id, { backend });
}
