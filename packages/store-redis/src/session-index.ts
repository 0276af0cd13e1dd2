/**
 * The listing index of one prefix: sorted sets under the hash tag `{index}` (see keys.ts), changed in a step of
 * their own after each write because they cannot share a slot with every session. Every reader checks the entries
 * it meets against the sessions they name and repairs them, so a lost step is never visible as a wrong listing.
 */
import {
  type ListQuery,
  type ListRow,
  type ListSessionsResult,
  listingRow,
  type SessionState,
  toPage,
} from '@agent-sessions/core/adapter';
import type { Cluster, Redis } from 'ioredis';
import { expiryKey, indexKey, indexMember, parentIndexKey, parseIndexMember, sessionKeys } from './keys.js';
import { BACKEND } from './options.js';

const LIST_BATCH = 200;

/** An index member, the summary it lists (null: do not list it) and where its session is now (null: gone). */
interface IndexEntry {
  member: string;
  summary: ListRow | null;
  actual: { id: string; updated_at: number; parent_id: string | null } | null;
}

export class SessionIndex {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
    /** The store's TTL in ms, or null. */
    private readonly ttlMs: number | null,
  ) {}

  /**
   * Brings the index in line with a write. It is a second step (the index lives in another slot), so listing also
   * checks every entry against the session it names and repairs what a crash or a race left behind.
   */
  async update(
    id: string,
    updatedAt: number,
    parentId: string | null,
    prevUpdated: string | null,
    prevParentJson: string | null,
  ): Promise<void> {
    const { prefix, ttlMs } = this;
    const member = indexMember(updatedAt, id);
    const prevMember = prevUpdated === null ? null : indexMember(Number(prevUpdated), id);
    const prevParent = prevParentJson === null ? null : (JSON.parse(prevParentJson) as string | null);
    // The common turn (same updated_at and parent, no TTL to slide) leaves the index as it is: skip the round trip.
    if (ttlMs === null && prevMember === member && prevParent === parentId) return;
    const multi = this.client.multi();
    if (prevMember !== null && prevMember !== member) multi.zrem(indexKey(prefix), prevMember);
    multi.zadd(indexKey(prefix), 0, member);
    if (prevParent !== null && prevMember !== null && (prevParent !== parentId || prevMember !== member))
      multi.zrem(parentIndexKey(prefix, prevParent), prevMember);
    if (parentId !== null) multi.zadd(parentIndexKey(prefix, parentId), 0, member);
    if (prevMember !== null) multi.zrem(expiryKey(prefix), JSON.stringify([prevMember, prevParent]));
    if (ttlMs !== null) multi.zadd(expiryKey(prefix), Date.now() + ttlMs, JSON.stringify([member, parentId]));
    // Is any entry overdue? Then sweep now, so that the index stays bounded even when nobody lists.
    multi.zrangebyscore(expiryKey(prefix), '-inf', Date.now(), 'LIMIT', 0, 1);
    const results = await multi.exec();
    const due = results?.[results.length - 1]?.[1] as string[] | undefined;
    if (due !== undefined && due.length > 0) await this.sweepExpired();
  }

  async remove(member: string, parent: string | null): Promise<void> {
    const { prefix } = this;
    const multi = this.client
      .multi()
      .zrem(indexKey(prefix), member)
      .zrem(expiryKey(prefix), JSON.stringify([member, parent]));
    if (parent !== null) multi.zrem(parentIndexKey(prefix, parent), member);
    await multi.exec();
  }

  /** Removes index entries of sessions whose TTL ran out (Redis expired their keys, not the index). */
  async sweepExpired(): Promise<void> {
    const { prefix } = this;
    const due = await this.client.zrangebyscore(expiryKey(prefix), '-inf', Date.now(), 'LIMIT', 0, 500);
    for (const entry of due) {
      const [member, parent] = JSON.parse(entry) as [string, string | null];
      const parsed = parseIndexMember(member);
      const alive = parsed !== null && (await this.client.exists(sessionKeys(this.prefix, parsed.id).head)) === 1;
      if (alive) {
        const ttl = await this.client.pttl(sessionKeys(this.prefix, parsed.id).head);
        if (ttl > 0) await this.client.zadd(expiryKey(prefix), Date.now() + ttl, entry);
        else await this.client.zrem(expiryKey(prefix), entry);
      } else await this.remove(member, parent);
    }
  }

  /**
   * Reads the summary fields of the session each member names. `summary` is null when the entry must not be listed:
   * the session is gone (`actual` null) or has moved on since (`actual` says where it is now).
   */
  async #summaries(members: string[]): Promise<IndexEntry[]> {
    const fields = ['rev', 'name', 'state', 'created_at', 'updated_at', 'parent', 'count'] as const;
    const rows = await Promise.all(
      members.map((m) => {
        const parsed = parseIndexMember(m);
        return parsed === null
          ? Promise.resolve(null)
          : this.client.hmget(sessionKeys(this.prefix, parsed.id).head, ...fields);
      }),
    );
    return rows.map((row, i) => {
      const member = members[i] as string;
      const parsed = parseIndexMember(member);
      if (row === null || parsed === null || row[0] === null) return { member, summary: null, actual: null };
      const [rev, name, state, created, updated, parent, count] = row as string[];
      let actual: IndexEntry['actual'] = null;
      // Fields another program damaged make the row unreadable where its entry stands; it is listed as such.
      const summary = listingRow(parsed, sessionKeys(this.prefix, parsed.id).head, BACKEND, () => {
        actual = {
          id: parsed.id,
          updated_at: Number(updated),
          parent_id: JSON.parse(parent as string) as string | null,
        };
        return {
          id: parsed.id,
          name: JSON.parse(name as string) as string,
          state: state as SessionState,
          created_at: Number(created),
          updated_at: actual.updated_at,
          parent_id: actual.parent_id,
          message_count: Number(count),
          revision: Number(rev),
        };
      });
      if ('unreadable' in summary) return { member, summary, actual: { ...parsed, parent_id: null } };
      // An entry left by an older write of this session (the index is updated after the document).
      if (summary.updated_at !== parsed.updated_at) return { member, summary: null, actual };
      return { member, summary, actual };
    });
  }

  /**
   * Removes entries of `key` that must not be listed, and makes sure the session they point at (if it still exists)
   * has its right entries: a race between two writers' index steps can remove the right one, and this puts it back.
   */
  async #repair(key: string, stale: IndexEntry[]): Promise<void> {
    if (stale.length === 0) return;
    const { prefix } = this;
    const multi = this.client.multi().zrem(key, ...stale.map((e) => e.member));
    for (const { actual } of stale) {
      if (actual === null) continue;
      const member = indexMember(actual.updated_at, actual.id);
      multi.zadd(indexKey(prefix), 0, member);
      if (actual.parent_id !== null) multi.zadd(parentIndexKey(prefix, actual.parent_id), 0, member);
    }
    await multi.exec();
  }

  /** One page of `listSessions`, in listing order, verified against the sessions and repaired on the way. */
  async page(query: ListQuery): Promise<ListSessionsResult> {
    await this.sweepExpired();
    const { prefix } = this;
    const key = query.parentId === null ? indexKey(prefix) : parentIndexKey(prefix, query.parentId);
    let min = query.after === null ? '-' : `(${indexMember(query.after.updated_at, query.after.id)}`;
    const rows: ListRow[] = [];
    while (rows.length <= query.limit) {
      const want = Math.min(LIST_BATCH, query.limit + 1 - rows.length);
      const members = await this.client.zrangebylex(key, min, '+', 'LIMIT', 0, want);
      if (members.length === 0) break;
      const stale: IndexEntry[] = [];
      for (const entry of await this.#summaries(members)) {
        // In a parent's index, an entry whose session now has another parent is stale too.
        const summary = entry.summary;
        if (
          summary !== null &&
          (query.parentId === null || 'unreadable' in summary || summary.parent_id === query.parentId)
        )
          rows.push(summary);
        else stale.push(entry);
      }
      // Never list an entry whose session is gone or has moved on; repair it.
      await this.#repair(key, stale);
      min = `(${members[members.length - 1]}`;
      if (members.length < want) break;
    }
    return toPage(rows.slice(0, query.limit + 1), query.limit);
  }

  /** Every listed id (once), verified and repaired like a page. */
  async ids(): Promise<string[]> {
    await this.sweepExpired();
    const key = indexKey(this.prefix);
    const ids = new Set<string>();
    let min = '-';
    for (;;) {
      const members = await this.client.zrangebylex(key, min, '+', 'LIMIT', 0, 1000);
      if (members.length === 0) break;
      const entries = await this.#summaries(members);
      await this.#repair(
        key,
        entries.filter((e) => e.summary === null),
      );
      // A session found through a stale entry is alive all the same: list it (once).
      for (const e of entries) if (e.actual !== null) ids.add(e.actual.id);
      min = `(${members[members.length - 1]}`;
    }
    return [...ids];
  }
}
