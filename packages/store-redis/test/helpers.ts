import { getRedis, type RedisService, uniqueNamespace } from '@agent-sessions/test-services';
import { Redis } from 'ioredis';

/** Deletes every key under `prefix` (SCAN + UNLINK: fine in tests, never used by the store). */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    if (keys.length) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export interface RedisFixture {
  service: RedisService;
  admin: Redis;
  runPrefix: string;
}

export async function redisFixture(): Promise<RedisFixture> {
  const service = await getRedis();
  return { service, admin: new Redis(service.url), runPrefix: `${uniqueNamespace('t')}:` };
}
