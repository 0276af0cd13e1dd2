/** The reply of the SLICE script (scripts.ts) as the segments a slice needs. */
import type { StoredSegment, StoredSegments } from '@agent-sessions/core/adapter';
import type { Reply } from './script-runner.js';
import type { RedisState } from './scripts.js';

/** null when the session keeps no segment counts (the caller then reads it whole). */
export function sliceFromReply(reply: Reply, record: string): StoredSegments<RedisState> | null {
  const [rev, count, digest, parent, head, kind, first] = reply;
  if (kind !== 'segs') return null;
  const segments: StoredSegment[] = [];
  for (let i = 7, ref = Number(first); i + 2 < reply.length; i += 3, ref++)
    segments.push({ start: Number(reply[i]), count: Number(reply[i + 1]), text: String(reply[i + 2]), ref });
  return {
    revision: Number(rev),
    state: { count: Number(count), digest: String(digest ?? ''), parent: String(parent ?? 'null') },
    headJson: String(head ?? ''),
    record,
    segments,
  };
}
