/**
 * The redis store for the reliability suites, against a redis-server this file starts (so every key on it is ours
 * and "outside the prefix" is simply every other key): records are keys, read and damaged with a raw ioredis
 * client; raw storage is the value of every key under the prefix, read by type.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisSessionStore, sessionKeys } from '../../src/index.js';
import { dropPrefix } from '../helpers.js';
import { type RedisProcess, startRedis } from '../servers.js';

let server: RedisProcess;
let admin: Redis;
beforeAll(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
});
afterAll(async () => {
  admin?.disconnect();
  await server?.cleanup();
});

const prefixOf = (namespace: string) => `${namespace}:`;

async function keysMatching(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** The bytes of one key's value, whatever its type. */
async function bytesOfKey(key: string): Promise<Buffer[]> {
  const type = await admin.type(key);
  if (type === 'string') return [(await admin.getBuffer(key)) as Buffer];
  if (type === 'hash') return Object.entries(await admin.hgetallBuffer(key)).flatMap(([f, v]) => [Buffer.from(f), v]);
  if (type === 'list') return admin.lrangeBuffer(key, 0, -1);
  if (type === 'set') return admin.smembersBuffer(key);
  if (type === 'zset') return admin.zrangeBuffer(key, 0, -1);
  return [Buffer.from(`unreadable type ${type}`)];
}

export const redisHooks = {
  create: async (namespace: string) => new RedisSessionStore({ url: server.url, prefix: prefixOf(namespace) }),
  cleanup: (namespace: string) => dropPrefix(admin, prefixOf(namespace)),
  outside: async (namespace: string) => (await keysMatching('*')).filter((k) => !k.startsWith(prefixOf(namespace))),
  tamper: async (namespace: string, id: string, mutate: (raw: string) => string) => {
    const { head } = sessionKeys(prefixOf(namespace), id);
    const raw = await admin.hget(head, 'head');
    if (raw === null) throw new Error(`no head for ${id}`);
    await admin.hset(head, 'head', mutate(raw));
    return head;
  },
  rawDump: async (namespace: string) => {
    const chunks: Buffer[] = [];
    for (const key of await keysMatching(`${prefixOf(namespace)}*`))
      chunks.push(Buffer.from(key), ...(await bytesOfKey(key)));
    return chunks;
  },
};
