/**
 * Key layout. Every key of one session carries the hash tag `{<encoded id>}`, so a session's head and messages
 * live in one Redis Cluster slot and a Lua script can change them together. Encoded ids hold only
 * [A-Za-z0-9._~-], so no id can end the tag early; the index keys are global and live in other slots.
 */
import { randomBytes } from 'node:crypto';
import { encodeIdSegment } from '@agent-sessions/core/adapter';

export interface SessionKeys {
  /** HASH: head (document without messages), rev, count, digest and the summary fields. */
  head: string;
  /** LIST: one element per write that added messages, holding their JSON texts joined by commas. */
  messages: string;
}

/** The keys of one session under a prefix (one hash tag, so one Cluster slot). */
export function sessionKeys(prefix: string, id: string): SessionKeys {
  const tag = `{${encodeIdSegment(id)}}`;
  return { head: `${prefix}s:${tag}`, messages: `${prefix}m:${tag}` };
}

/**
 * LIST holding one write's message texts until its script moves them in place (see scripts.ts). Unique per write, in
 * the session's slot, and given a short TTL so that a write interrupted between the two commands leaves nothing.
 */
export function stagingKey(prefix: string, id: string): string {
  return `${prefix}t:{${encodeIdSegment(id)}}:${randomBytes(9).toString('base64url')}`;
}

// The index keys share one hash tag, so one MULTI can change them together on a Cluster too.
const INDEX_TAG = '{index}';

/** ZSET (all scores 0) of index members, read with ZRANGEBYLEX in listing order. */
export function indexKey(prefix: string): string {
  return `${prefix}${INDEX_TAG}all`;
}

/** The same members for the sessions whose top-level parent_id is `parentId`. */
export function parentIndexKey(prefix: string, parentId: string): string {
  return `${prefix}${INDEX_TAG}parent:${encodeIdSegment(parentId)}`;
}

/**
 * ZSET of `[index member, parent id]` scored by expiry time (ms), so the index entries of sessions that expired are
 * removed even when nobody lists them: the index stays bounded.
 */
export function expiryKey(prefix: string): string {
  return `${prefix}${INDEX_TAG}expiry`;
}

// updated_at is a safe integer, possibly negative. Its distance from 2^53-1 is in [0, 2^54-2]: 14 hex digits,
// zero-padded so that byte order of the member is updated_at descending.
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An index member: inverted fixed-width updated_at, a separator, then the id's own UTF-8 bytes, so that
 * ZRANGEBYLEX order is updated_at descending, then id ascending in byte order (core's listing order).
 */
export function indexMember(updatedAt: number, id: string): string {
  return `${(MAX - BigInt(updatedAt)).toString(16).padStart(14, '0')}:${id}`;
}

/** The position an index member encodes, or null for a member `indexMember` did not make. */
export function parseIndexMember(member: string): { updated_at: number; id: string } | null {
  if (member.length < 16 || member[14] !== ':' || !/^[0-9a-f]{14}$/.test(member.slice(0, 14))) return null;
  // BigInt: for a negative updated_at the inverted value passes 2^53 and a Number would round it.
  const updatedAt = Number(MAX - BigInt(`0x${member.slice(0, 14)}`));
  if (!Number.isSafeInteger(updatedAt)) return null;
  return { updated_at: updatedAt, id: member.slice(15) };
}
