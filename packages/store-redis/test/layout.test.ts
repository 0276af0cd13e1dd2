/** Backend-specific behaviour: what is written per turn, TTL, index repair, corrupt records, URLs and ownership. */
import {
  DEFAULT_HISTORY_CACHE_BYTES,
  InvalidArgumentError,
  openSessionStore,
  SessionCorruptError,
  SessionTooLargeError,
} from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { indexMember, RedisSessionStore, sessionKeys } from '../src/index.js';
import { expiryKey, indexKey, parentIndexKey } from '../src/keys.js';
import { dropPrefix, redisFixture } from './helpers.js';

const { service, admin, runPrefix } = await redisFixture();
let n = 0;
const fresh = (options: Partial<ConstructorParameters<typeof RedisSessionStore>[0] & object> = {}) => {
  const prefix = `${runPrefix}${n++}:`;
  return { prefix, store: new RedisSessionStore({ url: service.url, prefix, ...options }) };
};
afterAll(async () => {
  await dropPrefix(admin, runPrefix);
  admin.disconnect();
  await service.stop();
});

describe('redis: writes only what changed', () => {
  // A marker that decodes to the same message but is not byte-identical to what the store writes: it survives only
  // when the store does not rewrite that list element.
  const marked = (json: string) => ` ${json}`;

  it.each([
    ['remembering histories', undefined],
    ['with historyCacheBytes 0 (verified by hashing)', 0],
  ])(
    'appendMessages and save with new messages push only the tail; an edit rewrites the list, %s',
    async (_, cache) => {
      const { prefix, store } = fresh({ historyCacheBytes: cache });
      const doc = makeSession('tail', { messages: 50 });
      await store.save(doc);
      const keys = sessionKeys(prefix, 'tail');
      expect(await admin.llen(keys.messages)).toBe(1);
      await admin.lset(keys.messages, 0, marked((await admin.lindex(keys.messages, 0)) as string));
      await store.appendMessages('tail', [makeMessage(50)]);
      doc.messages.push(makeMessage(50), makeMessage(51));
      await store.save(doc);
      expect(await admin.llen(keys.messages)).toBe(3); // the first write, the append, the save's tail
      expect((await admin.lindex(keys.messages, 0))?.startsWith(' ')).toBe(true);
      expect(await store.load('tail')).toEqual(doc);
      (doc.messages[10]!.content[0] as { text: string }).text = 'edited';
      await store.save(doc);
      expect(await admin.llen(keys.messages)).toBe(1);
      expect((await admin.lindex(keys.messages, 0))?.startsWith(' ')).toBe(false);
      expect(await store.load('tail')).toEqual(doc);
      await store.close();
    },
  );

  it('large texts go through a staging key that leaves nothing behind, nor its TTL on the messages', async () => {
    const { prefix, store } = fresh();
    const keys = sessionKeys(prefix, 'big');
    const long = (i: number) => makeMessage(i, `${i} ${'long text '.repeat(2500)}`);
    const staged = async () => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}t:*`, 'COUNT', 1000);
        found.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      return found;
    };
    const doc = makeSession('big', { messages: 0 });
    await store.save(doc);
    // Appending to an empty history renames the staged list into place; RENAME would carry its TTL along.
    await store.appendMessages('big', [long(0)]);
    doc.messages.push(long(0));
    expect(await admin.pttl(keys.messages)).toBe(-1);
    doc.messages.push(long(1), long(2));
    await store.save(doc); // the tail is moved onto the existing list
    expect(await admin.llen(keys.messages)).toBe(2);
    await expect(store.save({ ...doc, messages: [long(5), long(6)] }, { expectedRevision: 1 })).rejects.toMatchObject({
      code: 'SESSION_CONFLICT',
    });
    expect(await store.get('big')).toEqual({ session: doc, revision: 3 });
    expect(await staged()).toEqual([]);
    expect(await admin.pttl(keys.messages)).toBe(-1);
    await store.close();

    const { prefix: ttlPrefix, store: expiring } = fresh({ ttlSeconds: 100 });
    await expiring.save(makeSession('big', { messages: 0 }));
    await expiring.appendMessages('big', [long(0)]);
    const ttl = await admin.pttl(sessionKeys(ttlPrefix, 'big').messages);
    expect(ttl).toBeGreaterThan(90_000); // the session's TTL, not the staging key's 60 s
    await expiring.close();
  });

  it('another store instance writing meanwhile is noticed (no stale cached state)', async () => {
    const { prefix, store } = fresh();
    const other = new RedisSessionStore({ url: service.url, prefix });
    const doc = makeSession('shared', { messages: 3 });
    await store.save(doc);
    await other.save({ ...doc, messages: doc.messages.slice(0, 1) });
    doc.messages.push(makeMessage(3));
    await store.save(doc);
    expect(await other.load('shared')).toEqual(doc);
    await store.appendMessages('shared', [makeMessage(4)]);
    await other.appendMessages('shared', [makeMessage(5)]);
    expect((await store.load('shared'))?.messages).toHaveLength(6);
    await Promise.all([store.close(), other.close()]);
  });
});

describe('redis: index written by the save script (standalone)', () => {
  it('a parent changed by another store instance is noticed, and no parent index keeps a stale entry', async () => {
    const { prefix, store } = fresh();
    const other = new RedisSessionStore({ url: service.url, prefix });
    await store.save(makeSession('kid', { parentId: 'p1', updatedAt: 1 }));
    await other.save(makeSession('kid', { parentId: 'p2', updatedAt: 2 }));
    await store.save(makeSession('kid', { parentId: 'p3', updatedAt: 3 })); // it last saw p1
    for (const parent of ['p1', 'p2']) expect(await admin.exists(parentIndexKey(prefix, parent))).toBe(0);
    expect(await admin.zrange(parentIndexKey(prefix, 'p3'), 0, -1)).toEqual([indexMember(3, 'kid')]);
    expect(await admin.zrange(indexKey(prefix), 0, -1)).toEqual([indexMember(3, 'kid')]);
    await store.save(makeSession('kid', { updatedAt: 4 })); // no parent any more
    expect(await admin.exists(parentIndexKey(prefix, 'p3'))).toBe(0);
    expect((await other.listSessions()).sessions.map((s) => [s.id, s.parent_id])).toEqual([['kid', null]]);
    await Promise.all([store.close(), other.close()]);
  });
});

describe('redis: document size', () => {
  it('the stored size follows saves and appends, and an append past maxDocumentBytes writes nothing', async () => {
    const { prefix, store } = fresh({ maxDocumentBytes: 4000 });
    const doc = makeSession('sized', { messages: 3 });
    const size = () => admin.hget(sessionKeys(prefix, 'sized').head, 'bytes').then(Number);
    await store.save(doc);
    expect(await size()).toBe(Buffer.byteLength(JSON.stringify(doc)));
    await store.appendMessages('sized', [makeMessage(3), makeMessage(4)]);
    doc.messages.push(makeMessage(3), makeMessage(4));
    expect(await size()).toBe(Buffer.byteLength(JSON.stringify(doc)));
    const big = [makeMessage(5, 'x'.repeat(4000))];
    await expect(store.appendMessages('sized', big)).rejects.toBeInstanceOf(SessionTooLargeError);
    expect(await store.get('sized')).toEqual({ session: doc, revision: 2 });
    await expect(store.save({ ...doc, messages: [...doc.messages, ...big] })).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    expect(await store.get('sized')).toEqual({ session: doc, revision: 2 });
    await store.close();
  });
});

describe('redis: TTL', () => {
  it('an expired session is gone from load, exists, list and listSessions, and leaves no index entry', async () => {
    const { prefix, store } = fresh({ ttlSeconds: 1 });
    await store.save(makeSession('short', { parentId: 'p' }));
    await store.save(makeSession('kept'));
    await new Promise((r) => setTimeout(r, 600));
    await store.save(makeSession('kept')); // sliding: a save restarts the clock
    await store.appendMessages('kept', [makeMessage(2)]);
    await new Promise((r) => setTimeout(r, 700));
    // A write sweeps overdue entries, so the index stays bounded even when nobody lists.
    await store.appendMessages('kept', [makeMessage(3)]);
    expect(await admin.zrange(indexKey(prefix), 0, -1)).toEqual([indexMember(1_700_000_000, 'kept')]);
    expect(await admin.zcard(expiryKey(prefix))).toBe(1);
    expect(await store.load('short')).toBeNull();
    expect(await store.exists('short')).toBe(false);
    expect(await store.list()).toEqual(['kept']);
    expect((await store.listSessions()).sessions.map((s) => s.id)).toEqual(['kept']);
    expect((await store.listSessions({ parentId: 'p' })).sessions).toEqual([]);
    expect(await admin.zcard(indexKey(prefix))).toBe(1);
    expect(await admin.zcard(expiryKey(prefix))).toBe(1);
    expect(await admin.pttl(sessionKeys(prefix, 'kept').head)).toBeGreaterThan(0);
    await store.close();
  }, 20_000);

  it('without a TTL nothing expires', async () => {
    const { prefix, store } = fresh();
    await store.save(makeSession('forever'));
    expect(await admin.pttl(sessionKeys(prefix, 'forever').head)).toBe(-1);
    await store.close();
  });
});

describe('redis: index repair', () => {
  it('an index entry whose session is gone is removed, never listed', async () => {
    const { prefix, store } = fresh();
    for (const id of ['a', 'b', 'c']) await store.save(makeSession(id, { updatedAt: 10 }));
    const keys = sessionKeys(prefix, 'b');
    await admin.del(keys.head, keys.messages); // as if a crash, an eviction or another client removed it
    await admin.zadd(indexKey(prefix), 0, indexMember(99, 'a')); // a stale entry from an older write of 'a'
    const page = await store.listSessions();
    expect(page.sessions.map((s) => s.id)).toEqual(['a', 'c']);
    expect(await admin.zrange(indexKey(prefix), 0, -1)).toEqual([indexMember(10, 'a'), indexMember(10, 'c')]);
    expect(await store.list()).toEqual(['a', 'c']);
    await store.close();
  });

  it("a session whose right entry was lost (two writers' index steps raced) is put back by listing", async () => {
    const { prefix, store } = fresh();
    await store.save(makeSession('lost', { updatedAt: 20, parentId: 'p' }));
    // What the race leaves: only an entry of an older write, in the main and the parent index.
    await admin.zrem(indexKey(prefix), indexMember(20, 'lost'));
    await admin.zadd(indexKey(prefix), 0, indexMember(7, 'lost'));
    await admin.zrem(parentIndexKey(prefix, 'p'), indexMember(20, 'lost'));
    await admin.zadd(parentIndexKey(prefix, 'p'), 0, indexMember(7, 'lost'));
    expect(await store.list()).toEqual(['lost']);
    expect(await admin.zrange(indexKey(prefix), 0, -1)).toEqual([indexMember(20, 'lost')]);
    // The repair put back the parent entry too; the stale one is removed, never listed.
    expect((await store.listSessions({ parentId: 'p' })).sessions.map((s) => s.updated_at)).toEqual([20]);
    expect(await admin.zrange(parentIndexKey(prefix, 'p'), 0, -1)).toEqual([indexMember(20, 'lost')]);
    await store.close();
  });

  it('an entry left in the index of a former parent is removed', async () => {
    const { prefix, store } = fresh();
    await store.save(makeSession('child', { updatedAt: 5, parentId: 'new' }));
    await admin.zadd(parentIndexKey(prefix, 'old'), 0, indexMember(5, 'child'));
    expect((await store.listSessions({ parentId: 'old' })).sessions).toEqual([]);
    expect(await admin.exists(parentIndexKey(prefix, 'old'))).toBe(0);
    expect((await store.listSessions({ parentId: 'new' })).sessions.map((s) => s.id)).toEqual(['child']);
    await store.close();
  });

  it('negative and extreme updated_at values are listed in order', async () => {
    const { store } = fresh();
    const times = [Number.MIN_SAFE_INTEGER, -5, 0, 3, Number.MAX_SAFE_INTEGER];
    for (const [i, t] of times.entries()) await store.save(makeSession(`t${i}`, { updatedAt: t }));
    const page = await store.listSessions({ limit: 2 });
    const rest = await store.listSessions({ limit: 10, cursor: page.nextCursor as string });
    expect([...page.sessions, ...rest.sessions].map((s) => s.updated_at)).toEqual([...times].reverse());
    await store.close();
  });

  it('the index never holds more than one entry per session (bounded)', async () => {
    const { prefix, store } = fresh();
    for (let i = 0; i < 20; i++)
      await store.save(makeSession('moving', { updatedAt: i, parentId: i % 2 ? 'odd' : 'even' }));
    expect(await admin.zcard(indexKey(prefix))).toBe(1);
    expect((await store.listSessions({ parentId: 'odd' })).sessions.map((s) => s.updated_at)).toEqual([19]);
    expect((await store.listSessions({ parentId: 'even' })).sessions).toEqual([]);
    await store.delete('moving');
    expect(await admin.keys(`${prefix}*`)).toEqual([]);
    await store.close();
  });
});

describe('redis: corrupt records', () => {
  it('a head or message that does not decode is SessionCorruptError naming the key', async () => {
    const { prefix, store } = fresh();
    await store.save(makeSession('bad', { messages: 2 }));
    const keys = sessionKeys(prefix, 'bad');
    const good = JSON.stringify(makeMessage(0));
    await admin.lset(keys.messages, 0, `${good},{"role": "user", "content": [{"type": "video"}]}`);
    await expect(store.load('bad')).rejects.toThrow(SessionCorruptError);
    await admin.lset(keys.messages, 0, `${good},{not json`);
    await expect(store.load('bad')).rejects.toThrow(keys.messages);
    await admin.lset(keys.messages, 0, `${good},${good},${good}`);
    await expect(store.load('bad')).rejects.toThrow(/records 2 messages/);
    await admin.del(keys.messages);
    await admin.set(keys.messages, 'not a list');
    const wrongType = await store.load('bad').catch((e: unknown) => e);
    expect(wrongType).toBeInstanceOf(SessionCorruptError);
    expect((wrongType as SessionCorruptError).record).toContain(keys.messages);
    await admin.del(keys.messages);
    await admin.rpush(keys.messages, `${good},${good}`);
    await admin.hset(keys.head, 'head', '');
    const error = await store.load('bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionCorruptError);
    expect((error as SessionCorruptError).record).toBe(keys.head);
    await store.close();
  });
});

describe('redis: construction', () => {
  it('openSessionStore takes redis:// with ?prefix= and ?ttl=', async () => {
    const prefix = `${runPrefix}url:`;
    const store = await openSessionStore(`${service.url}?prefix=${encodeURIComponent(prefix)}&ttl=60`);
    await store.save(makeSession('via-url'));
    expect(await admin.pttl(sessionKeys(prefix, 'via-url').head)).toBeGreaterThan(50_000);
    await store.close();
    await expect(openSessionStore(`${service.url}?ttl=soon`)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('historyCacheBytes: 64 Mi by default, 0 or a positive integer, also as a URL parameter', async () => {
    const plain = fresh().store;
    expect(plain.options.historyCacheBytes).toBe(DEFAULT_HISTORY_CACHE_BYTES);
    await plain.close();
    for (const historyCacheBytes of [-1, 1.5, Number.NaN])
      expect(() => fresh({ historyCacheBytes }), String(historyCacheBytes)).toThrow(InvalidArgumentError);
    const store = (await openSessionStore(`${service.url}?historyCacheBytes=0`)) as RedisSessionStore;
    expect(store.options.historyCacheBytes).toBe(0);
    expect((store.client as Redis).options).not.toHaveProperty('historyCacheBytes');
    await store.close();
    await expect(openSessionStore(`${service.url}?historyCacheBytes=lots`)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it("rediss:// opens a TLS connection; the store's own parameters never reach ioredis", async () => {
    const store = await openSessionStore('rediss://user:pw@127.0.0.1:6390/2?prefix=app:&ttl=5&timeout=1500');
    const { client, options } = store as RedisSessionStore;
    const redis = client as Redis;
    expect(redis.options.tls).toBeTruthy();
    expect(redis.options).toMatchObject({ host: '127.0.0.1', port: 6390, db: 2, username: 'user', password: 'pw' });
    expect(options).toMatchObject({ prefix: 'app:', ttlMs: 5000, operationTimeoutMs: 1500 });
    expect(Object.keys(redis.options)).not.toContain('prefix');
    expect(Object.keys(redis.options)).not.toContain('ttl');
    await store.close(); // never connected: closing must not wait for a server
  });

  it('bad options are InvalidArgumentError', () => {
    expect(() => new RedisSessionStore({ url: service.url, prefix: 'a{b}:' })).toThrow(InvalidArgumentError);
    expect(() => new RedisSessionStore({ url: 'http://x' })).toThrow(InvalidArgumentError);
    expect(() => new RedisSessionStore({ url: service.url, client: admin })).toThrow(InvalidArgumentError);
    expect(() => new RedisSessionStore({ url: service.url, ttlSeconds: 0 })).toThrow(InvalidArgumentError);
  });

  it('a client passed in stays open after close()', async () => {
    const client = new Redis(service.url);
    const store = new RedisSessionStore({ client, prefix: `${runPrefix}own:` });
    await store.save(makeSession('x'));
    await store.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});
