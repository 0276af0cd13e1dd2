import { fileURLToPath } from 'node:url';
import { describeSessionStoreConformance, testEncryption } from '@agent-sessions/core/conformance';
import { saveInChildProcess } from '@agent-sessions/test-services';
import { afterAll } from 'vitest';
import { RedisSessionStore, sessionKeys } from '../src/index.js';
import { dropPrefix, redisFixture } from './helpers.js';

const { service, admin, runPrefix } = await redisFixture();
afterAll(async () => {
  await dropPrefix(admin, runPrefix);
  admin.disconnect();
  await service.stop();
});

// A lower limit than the default 256 MiB, so the suite can exercise SessionTooLargeError.
const maxDocumentBytes = 8 * 1024 * 1024;
const adapter = fileURLToPath(new URL('../src/index.ts', import.meta.url));

// Twice: in clear, and with encryption at rest (heads, segments and names sealed).
for (const encryption of [undefined, testEncryption()])
  describeSessionStoreConformance(encryption ? 'redis encrypted' : 'redis', {
    encryption,
    create: async (namespace, common) =>
      new RedisSessionStore({ ...common, url: service.url, prefix: `${runPrefix}${namespace}:`, maxDocumentBytes }),
    destroy: (_store, namespace) => dropPrefix(admin, `${runPrefix}${namespace}:`),
    // Everything stored for the session: the whole hash (head JSON and summary fields) and the message list.
    rawRead: async (namespace, id) => {
      const keys = sessionKeys(`${runPrefix}${namespace}:`, id);
      const hash = await admin.hgetall(keys.head);
      if (Object.keys(hash).length === 0) return null;
      return `${JSON.stringify(hash)}\n${(await admin.lrange(keys.messages, 0, -1)).join('\n')}`;
    },
    damage: async (namespace, id) => {
      await admin.hset(sessionKeys(`${runPrefix}${namespace}:`, id).head, 'head', '{"id":');
    },
    rawSegments: (namespace, id) => admin.lrange(sessionKeys(`${runPrefix}${namespace}:`, id).messages, 0, -1),
    saveFromAnotherProcess: async (namespace, doc, common) => {
      const prefix = encodeURIComponent(`${runPrefix}${namespace}:`);
      await saveInChildProcess(adapter, `${service.url}?prefix=${prefix}`, doc, common?.encryption);
    },
    capabilities: { maxDocumentBytes },
  });
