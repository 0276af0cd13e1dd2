import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { getRedis, uniqueNamespace } from '../src/index.js';
import { redisHelp, redisProbes } from '../src/redis.js';
import { resolveService } from '../src/resolve.js';
import { closedPort, noDocker, withEnv } from './helpers.js';

describe('getRedis', () => {
  it('returns a url that answers PING and keeps data', async () => {
    const service = await getRedis();
    const client = new Redis(service.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      const key = `${uniqueNamespace('test_services')}:k`;
      await client.set(key, 'v', 'EX', 60);
      expect(await client.get(key)).toBe('v');
      await client.del(key);
    } finally {
      client.disconnect();
      await service.stop();
    }
  }, 120_000);

  it('uses REDIS_URL when it is set', async () => {
    const found = await getRedis();
    try {
      const url = `${found.url.replace(/\/\d*$/, '')}/1`;
      const service = await withEnv({ REDIS_URL: url }, () => getRedis());
      expect(service.source).toBe('env');
      expect(service.url).toBe(url);
      await service.stop();
    } finally {
      await found.stop();
    }
    expect(process.env.REDIS_URL).toBe(found.source === 'env' ? found.url : undefined);
  }, 120_000);

  it('rejects a REDIS_URL that is not a redis url instead of falling back', async () => {
    await withEnv({ REDIS_URL: 'http://127.0.0.1:6379' }, async () => {
      await expect(getRedis()).rejects.toThrow(/REDIS_URL is set but unusable/);
    });
  });

  it('fails fast, naming REDIS_URL, when nothing answers and Docker is absent', async () => {
    const port = await closedPort();
    const started = performance.now();
    const error = await resolveService(redisHelp, redisProbes({ env: {}, port, docker: noDocker })).catch((e) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('set REDIS_URL');
    expect(error.message).toContain(`127.0.0.1:6379`);
    expect(error.message).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });
});
