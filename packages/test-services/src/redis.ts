import { dockerStatusOnce, loadTestcontainers } from './docker.js';
import { exchange } from './net.js';
import {
  type DockerStatus,
  errorMessage,
  resolveService,
  type ServiceHelp,
  type ServiceProbes,
  type ServiceSource,
} from './resolve.js';

export interface RedisService {
  url: string;
  source: ServiceSource;
  stop(): Promise<void>;
}

export const REDIS_IMAGE = 'redis:7-alpine';

export const redisHelp: ServiceHelp = {
  service: 'Redis',
  envVars: 'REDIS_URL',
  envExample: 'REDIS_URL=redis://127.0.0.1:6379',
  local: 'Redis on 127.0.0.1:6379',
  localStart: '`redis-server`',
  image: REDIS_IMAGE,
};

/** Sends PING over RESP and expects +PONG; throws with the server's answer otherwise. */
export async function redisPing(host: string, port: number, timeoutMs = 1000): Promise<void> {
  const answer = await exchange(
    { host, port },
    '*1\r\n$4\r\nPING\r\n',
    (received) => received.includes('\r\n'),
    timeoutMs,
  );
  const line = answer.toString('utf8').split('\r\n', 1)[0] ?? '';
  if (line !== '+PONG') throw new Error(`answered "${line.slice(0, 200)}" to PING`);
}

export interface RedisProbeOptions {
  env?: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  timeoutMs?: number;
  docker?: () => Promise<DockerStatus>;
}

const noop = async (): Promise<void> => {};

export function redisProbes(options: RedisProbeOptions = {}): ServiceProbes<RedisService> {
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 6379;
  const timeoutMs = options.timeoutMs ?? 1000;
  return {
    async env() {
      const url = env.REDIS_URL;
      if (!url) return undefined;
      if (!/^rediss?:\/\//.test(url)) throw new Error(`expected redis:// or rediss://, got "${url}"`);
      return { url, source: 'env', stop: noop };
    },
    async local() {
      try {
        await redisPing(host, port, timeoutMs);
      } catch (error) {
        return { ok: false, reason: errorMessage(error) };
      }
      return { ok: true, value: { url: `redis://${host}:${port}`, source: 'local', stop: noop } };
    },
    docker: options.docker ?? dockerStatusOnce,
    async container() {
      const { GenericContainer, Wait } = await loadTestcontainers();
      const container = await new GenericContainer(REDIS_IMAGE)
        .withExposedPorts(6379)
        .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
        .withStartupTimeout(120_000)
        .start();
      const mappedHost = container.getHost();
      const mappedPort = container.getMappedPort(6379);
      try {
        await redisPing(mappedHost, mappedPort, 5000);
      } catch (error) {
        await container.stop().catch(() => {});
        throw error;
      }
      let stopped = false;
      return {
        url: `redis://${mappedHost}:${mappedPort}`,
        source: 'container',
        async stop() {
          if (stopped) return;
          stopped = true;
          await container.stop();
        },
      };
    },
  };
}

/**
 * A Redis for tests: REDIS_URL, else Redis on 127.0.0.1:6379 (answers PING), else a redis:7-alpine container when
 * Docker is reachable. Rejects with instructions when none is found.
 */
export function getRedis(): Promise<RedisService> {
  return resolveService(redisHelp, redisProbes());
}
