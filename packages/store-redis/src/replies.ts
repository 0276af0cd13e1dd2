/** What the store reads out of Redis replies and hash fields, and the index keys a save script is given. */
import type { Committed, StoredState } from '@agent-sessions/core/adapter';
import { expiryKey, indexKey, parentIndexKey } from './keys.js';
import type { Reply } from './script-runner.js';
import type { RedisState } from './scripts.js';

/** The head hash fields `readState` asks for, in the order `stateFromFields` reads them. */
export const STATE_FIELDS = ['rev', 'count', 'digest', 'parent', 'bytes', 'head'] as const;

/** A session's stored state from its head hash fields (null: no session). */
export function stateFromFields(fields: (string | null)[], record: string): StoredState<RedisState> | null {
  const [rev, count, digest, parent, bytes, head] = fields;
  if (rev === null || rev === undefined) return null;
  return {
    revision: Number(rev),
    bytes: Number(bytes ?? 0),
    state: { count: Number(count), digest: digest ?? '', parent: parent ?? 'null' },
    head: { json: head ?? '', record },
  };
}

/**
 * On a standalone server the save script also moves the index entries; it needs the stored parent's index key,
 * which it checks against the stored parent ('stale' when another writer changed it).
 */
export function saveIndexKeys(prefix: string, parentId: string | null, base: RedisState | null): string[] {
  const index = indexKey(prefix);
  const storedParent = base === null ? null : (JSON.parse(base.parent) as string | null);
  return [
    index,
    expiryKey(prefix),
    parentId === null ? index : parentIndexKey(prefix, parentId),
    storedParent === null ? index : parentIndexKey(prefix, storedParent),
  ];
}

/** A script's 'stale' or 'conflict' reply as a commit result; null for 'ok'. */
export function refusal<S extends RedisState>(reply: Reply): Committed<S> | null {
  if (reply[0] === 'stale') return 'stale';
  if (reply[0] === 'conflict') return { conflict: Number(reply[1]) === 0 ? null : Number(reply[1]) };
  return null;
}

export function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
