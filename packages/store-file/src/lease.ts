/**
 * a3s-code's writer lease (`v1/writer_lease.json`, `SessionStoreWriterLeaseV1`): a host that takes it fences every
 * other writer of the folder; a3s-code's own commits fail closed once the durable lease is not theirs. We never hold
 * one, so while a lease exists we write nothing: a write would bypass the fence the host set up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreAccessError } from '@agent-sessions/core/adapter';
import { isMissing } from './fs-utils.js';
import { V1_WRITER_LEASE } from './layout.js';

/** Throws StoreAccessError when a3s-code's writer lease exists in `dir`. One small synchronous read. */
export function assertNoWriterLease(dir: string, sessionId: string): void {
  const path = join(dir, V1_WRITER_LEASE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  let holder = 'an a3s-code process';
  try {
    const lease = JSON.parse(text) as { holderId?: unknown; epoch?: unknown };
    if (typeof lease.holderId === 'string') holder = `"${lease.holderId}" (epoch ${String(lease.epoch)})`;
  } catch {
    // an unreadable lease fences just the same; a3s-code refuses to commit past it too
  }
  throw new StoreAccessError(
    `file: ${path} says ${holder} holds a3s-code's writer lease on this folder, which fences every other writer; ` +
      'write through that a3s-code host, or stop it and delete the lease file',
    { backend: 'file', sessionId },
  );
}
