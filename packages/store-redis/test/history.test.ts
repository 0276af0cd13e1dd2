/**
 * Issue 18, redis specifics: a slice reads only the list elements that hold it (counted at the adapter's read, not
 * timed), also in a session written before segment counts were kept ('segs' absent: read whole, still exact).
 */
import type { ResolvedWindow, StoredSegments } from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSessionStore, sessionKeys } from '../src/index.js';
import type { RedisState } from '../src/scripts.js';
import { dropPrefix, redisFixture } from './helpers.js';

const { service, admin, runPrefix } = await redisFixture();
let n = 0;
afterAll(async () => {
  await dropPrefix(admin, runPrefix);
  admin.disconnect();
  await service.stop();
});

/** Counts the segments each read hands to core. */
class CountingStore extends RedisSessionStore {
  segmentsRead = 0;
  protected override async readSegments(
    id: string,
    window: ResolvedWindow,
  ): Promise<StoredSegments<RedisState> | null> {
    const read = await super.readSegments(id, window);
    this.segmentsRead += read?.segments.length ?? 0;
    return read;
  }
}

const fresh = () => {
  const prefix = `${runPrefix}${n++}:`;
  return { prefix, store: new CountingStore({ url: service.url, prefix }) };
};

async function longHistory(store: RedisSessionStore, id: string, turns: number) {
  await store.save(makeSession(id, { messages: 1 }));
  for (let i = 1; i < turns; i++) await store.appendMessages(id, [makeMessage(i, `turn ${i}`)]);
}

describe('redis: history slices', () => {
  it('the same number of list elements for a slice of 200 turns as of 20', async () => {
    const { store } = fresh();
    for (const turns of [20, 200]) {
      const id = `long-${turns}`;
      await longHistory(store, id, turns);
      store.segmentsRead = 0;
      const last = await store.loadMessages(id, { last: 2 });
      expect(last.messages).toEqual([
        makeMessage(turns - 2, `turn ${turns - 2}`),
        makeMessage(turns - 1, `turn ${turns - 1}`),
      ]);
      expect(store.segmentsRead).toBe(2);
      store.segmentsRead = 0;
      const middle = await store.loadMessages(id, { from: 10, limit: 3 });
      expect(middle.messages).toEqual([10, 11, 12].map((i) => makeMessage(i, `turn ${i}`)));
      expect(store.segmentsRead).toBe(3);
    }
    await store.close();
  });

  it('a session without segment counts is read whole, exactly, and truncates right', async () => {
    const { store, prefix } = fresh();
    await longHistory(store, 'old', 6);
    await admin.hdel(sessionKeys(prefix, 'old').head, 'segs');
    const other = new CountingStore({ url: service.url, prefix });
    expect((await other.loadMessages('old', { last: 2 })).messages).toEqual(
      [4, 5].map((i) => makeMessage(i, `turn ${i}`)),
    );
    expect(other.segmentsRead).toBe(1); // one pseudo-segment: the whole history
    await other.truncateMessages('old', 4);
    expect(await admin.lrange(sessionKeys(prefix, 'old').messages, 0, -1)).toHaveLength(1);
    await other.appendMessages('old', [makeMessage(9)]);
    other.segmentsRead = 0;
    expect((await other.loadMessages('old', { last: 1 })).messages).toEqual([makeMessage(9)]);
    expect(other.segmentsRead).toBe(1);
    expect((await store.load('old'))?.messages).toHaveLength(5);
    await other.close();
    await store.close();
  });
});
