/** The whole conformance suite against a real Redis Cluster of three masters started from the redis-server binary. */
import { describeSessionStoreConformance, makeSession } from '@agent-sessions/core/conformance';
import { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { indexMember, RedisSessionStore, sessionKeys } from '../src/index.js';
import { indexKey } from '../src/keys.js';
import { hasRedisServer, startCluster } from './servers.js';

if (!(await hasRedisServer())) {
  // The CI machine installs redis-server (.ci/run); elsewhere say why this file does nothing.
  console.warn('store-redis cluster tests skipped: the redis-server binary is not installed');
  describe('redis cluster', () => {
    it.skipIf(true)('skipped: the redis-server binary is not installed (apt-get install redis-server)', () => {});
  });
} else {
  const cluster = await startCluster();
  const seeds = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  const admin = new Cluster(seeds);
  afterAll(async () => {
    admin.disconnect();
    await cluster.cleanup();
  });

  describe('redis cluster layout', () => {
    it('every key of a session shares one slot, and sessions spread over the masters', async () => {
      const slots = new Set<number>();
      for (const id of ['a', 'b/c', '{tag}', 'x'.repeat(255), '😀']) {
        const keys = sessionKeys('p:', id);
        const [head, messages] = await Promise.all([
          admin.cluster('KEYSLOT', keys.head),
          admin.cluster('KEYSLOT', keys.messages),
        ]);
        expect(head).toBe(messages);
        slots.add(Number(head));
      }
      expect(slots.size).toBeGreaterThan(1);
    });
  });

  describe('redis cluster index', () => {
    it('listing removes entries whose session is gone and puts back the right entry of a moved session', async () => {
      const prefix = `idx${Date.now().toString(36)}:`;
      const store = new RedisSessionStore({ clusterNodes: seeds, prefix, operationTimeoutMs: 5000 });
      for (const id of ['a', 'b', 'c', 'd']) await store.save(makeSession(id, { updatedAt: 10 }));
      const b = sessionKeys(prefix, 'b');
      await admin.del(b.head); // on b's node; the index lives on another node and still names it
      await admin.del(b.messages);
      await admin.zrem(indexKey(prefix), indexMember(10, 'c'));
      await admin.zadd(indexKey(prefix), 0, indexMember(3, 'c')); // only an older write's entry is left
      expect((await store.listSessions()).sessions.map((s) => s.id)).toEqual(['a', 'd']);
      expect(await store.list()).toEqual(['a', 'c', 'd']);
      expect((await store.listSessions()).sessions.map((s) => s.id)).toEqual(['a', 'c', 'd']);
      expect(await admin.zrange(indexKey(prefix), 0, -1)).toEqual(['a', 'c', 'd'].map((id) => indexMember(10, id)));
      for (const id of ['a', 'c', 'd']) await store.delete(id);
      expect(await admin.exists(indexKey(prefix))).toBe(0);
      await store.close();
    });
  });

  describeSessionStoreConformance('redis cluster', {
    create: async (namespace) =>
      new RedisSessionStore({ clusterNodes: seeds, prefix: `c:${namespace}:`, maxDocumentBytes: 8 * 1024 * 1024 }),
    destroy: async (store) => {
      // A store's keys live on every master: delete what each holds under its prefix.
      const prefix = (store as RedisSessionStore).options.prefix;
      await Promise.all(
        admin.nodes('master').map(async (node) => {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            for (const key of keys) await node.unlink(key);
            cursor = next;
          } while (cursor !== '0');
        }),
      );
    },
    rawRead: async (namespace, id) => {
      const keys = sessionKeys(`c:${namespace}:`, id);
      const hash = await admin.hgetall(keys.head);
      if (Object.keys(hash).length === 0) return null;
      return `${JSON.stringify(hash)}\n${(await admin.lrange(keys.messages, 0, -1)).join('\n')}`;
    },
    capabilities: { maxDocumentBytes: 8 * 1024 * 1024 },
    propertyRunsScale: 0.5,
  });
}
