/** The ioredis client a store uses: the caller's, or one it opens (standalone or Cluster) and later closes. */
import { Cluster, Redis } from 'ioredis';
import { connectionDefaults, type RedisStoreOptions, type ResolvedRedisOptions } from './options.js';

export type Client = Redis | Cluster;

/** The caller's client (not ours to close), or a lazily connecting one built from the options. */
export function openClient(
  input: RedisStoreOptions,
  resolved: ResolvedRedisOptions,
): { client: Client; owns: boolean } {
  if (input.client) return { client: input.client, owns: false };
  const defaults = connectionDefaults(resolved.operationTimeoutMs);
  if (input.clusterNodes)
    return {
      client: new Cluster(input.clusterNodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        slotsRefreshTimeout: resolved.operationTimeoutMs,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
        ...input.clusterOptions,
        redisOptions: { ...defaults, ...input.clusterOptions?.redisOptions },
      }),
      owns: true,
    };
  const client = input.url
    ? new Redis(input.url, { ...defaults, ...input.redisOptions })
    : new Redis({ ...defaults, ...input.redisOptions });
  return { client, owns: true };
}

/** QUIT lets pending replies arrive; a client that never connected, or lost its server, is simply dropped. */
export async function closeClient(client: Client): Promise<void> {
  if (client.status === 'ready')
    await Promise.race([client.quit().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  client.disconnect();
}
