import { dockerStatusOnce, loadTestcontainers } from './docker.js';
import {
  type DockerStatus,
  errorMessage,
  resolveService,
  type ServiceHelp,
  type ServiceProbes,
  type ServiceSource,
} from './resolve.js';

export interface PostgresService {
  url: string;
  source: ServiceSource;
  stop(): Promise<void>;
}

export const POSTGRES_IMAGE = 'postgres:16-alpine';

export const postgresHelp: ServiceHelp = {
  service: 'PostgreSQL',
  envVars: 'DATABASE_URL',
  envExample: 'DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
  local: 'PostgreSQL on 127.0.0.1:5432 (user postgres without password, database test or postgres)',
  localStart: '`pg_ctl start` or the system service, with trust auth for 127.0.0.1',
  image: POSTGRES_IMAGE,
};

/** Connects to `url` and runs `SELECT 1`; throws with the driver's error otherwise. */
export async function postgresSelect1(url: string, timeoutMs = 2000): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ ok: number }>('SELECT 1 AS ok');
    if (result.rows[0]?.ok !== 1) throw new Error('SELECT 1 did not return 1');
  } finally {
    await client.end().catch(() => {});
  }
}

export interface PostgresProbeOptions {
  env?: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  timeoutMs?: number;
  docker?: () => Promise<DockerStatus>;
}

const noop = async (): Promise<void> => {};

export function postgresProbes(options: PostgresProbeOptions = {}): ServiceProbes<PostgresService> {
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 5432;
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    async env() {
      const url = env.DATABASE_URL;
      if (!url) return undefined;
      if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`expected postgres:// or postgresql://, got "${url}"`);
      return { url, source: 'env', stop: noop };
    },
    async local() {
      const reasons: string[] = [];
      for (const database of ['test', 'postgres']) {
        const url = `postgres://postgres@${host}:${port}/${database}`;
        try {
          await postgresSelect1(url, timeoutMs);
          return { ok: true, value: { url, source: 'local', stop: noop } };
        } catch (error) {
          reasons.push(`${database}: ${errorMessage(error)}`);
          // Only a missing database is worth a second try; refused connections and auth failures are not.
          if ((error as { code?: unknown }).code !== '3D000') break;
        }
      }
      return { ok: false, reason: reasons.join('; ') };
    },
    docker: options.docker ?? dockerStatusOnce,
    async container() {
      const { GenericContainer, Wait } = await loadTestcontainers();
      const container = await new GenericContainer(POSTGRES_IMAGE)
        .withEnvironment({ POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'test' })
        .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .withStartupTimeout(120_000)
        .start();
      const url = `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/test`;
      try {
        await postgresSelect1(url, 5000);
      } catch (error) {
        await container.stop().catch(() => {});
        throw error;
      }
      let stopped = false;
      return {
        url,
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
 * A PostgreSQL for tests: DATABASE_URL, else PostgreSQL on 127.0.0.1:5432 as user postgres (database test, else
 * postgres) where `SELECT 1` works, else a postgres:16-alpine container when Docker is reachable.
 */
export function getPostgres(): Promise<PostgresService> {
  return resolveService(postgresHelp, postgresProbes());
}
