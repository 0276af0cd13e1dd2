/** Where an endpoint came from. */
export type ServiceSource = 'env' | 'local' | 'container' | 's3rver';

/** The outcome of asking one source for an endpoint. */
export type ProbeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Whether a Docker engine answered; `reason` says what was checked when it did not. */
export type DockerStatus = { reachable: true; host: string } | { reachable: false; reason: string };

/**
 * The ways one service can be obtained. `resolveService` calls them in a fixed order:
 * env, local, (docker check) container, inProcess.
 */
export interface ServiceProbes<T> {
  /** The endpoint named by environment variables, undefined when they are not set; throws when set but unusable. */
  env(): Promise<T | undefined>;
  /** The service on its standard local port, when one answers a real protocol round trip. */
  local(): Promise<ProbeResult<T>>;
  /** A quick check for a Docker engine; `container` is only called when it is reachable. */
  docker(): Promise<DockerStatus>;
  /** Starts a throwaway container and returns once the service answers. */
  container(): Promise<T>;
  /** Last resort started inside this process (S3 only: s3rver). */
  inProcess?: () => Promise<T>;
}

/** Words for the error message that tells a developer how to provide the service. */
export interface ServiceHelp {
  /** e.g. 'Redis' */
  service: string;
  /** e.g. 'REDIS_URL' */
  envVars: string;
  /** e.g. 'REDIS_URL=redis://127.0.0.1:6379' */
  envExample: string;
  /** e.g. 'Redis on 127.0.0.1:6379' */
  local: string;
  /** e.g. '`redis-server`' */
  localStart: string;
  /** e.g. 'redis:7-alpine' */
  image: string;
  /** e.g. 'in-process s3rver' */
  inProcess?: string;
}

/** No source could provide the service; the message lists what was tried and how to provide one. */
export class TestServiceUnavailableError extends Error {
  override readonly name = 'TestServiceUnavailableError';
  constructor(
    readonly service: string,
    readonly attempts: readonly string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message || error.name;
    return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(error);
}

function howToProvide(help: ServiceHelp): string {
  return [
    `Provide one of these:`,
    `  - set ${help.envVars} (e.g. ${help.envExample}), or`,
    `  - start ${help.local} (e.g. ${help.localStart}; with Docker: docker compose -f docker-compose.test.yml up -d), or`,
    `  - install and start Docker so a throwaway ${help.image} container can be started.`,
  ].join('\n');
}

/**
 * Resolves a service: environment variables, then the standard local port, then a container when a Docker engine
 * is reachable, then (when given) an in-process fallback. Rejects with a TestServiceUnavailableError naming what
 * was tried and how to provide the service. Never resolves to "skip".
 */
export async function resolveService<T>(help: ServiceHelp, probes: ServiceProbes<T>): Promise<T> {
  const attempts: string[] = [];

  let fromEnv: T | undefined;
  try {
    fromEnv = await probes.env();
  } catch (error) {
    const message =
      `${help.service} for tests: ${help.envVars} is set but unusable: ${errorMessage(error)}\n` +
      `Fix ${help.envVars} (e.g. ${help.envExample}) or unset it to use a local service or Docker.`;
    throw new TestServiceUnavailableError(help.service, [`${help.envVars}: ${errorMessage(error)}`], message, {
      cause: error,
    });
  }
  if (fromEnv !== undefined) return fromEnv;
  attempts.push(`${help.envVars}: not set`);

  let local: ProbeResult<T>;
  try {
    local = await probes.local();
  } catch (error) {
    local = { ok: false, reason: errorMessage(error) };
  }
  if (local.ok) return local.value;
  attempts.push(`${help.local}: ${local.reason}`);

  let containerError: string | undefined;
  const docker = await probes.docker();
  if (docker.reachable) {
    try {
      return await probes.container();
    } catch (error) {
      containerError = `container ${help.image} (Docker at ${docker.host}): ${errorMessage(error)}`;
      attempts.push(containerError);
    }
  } else {
    attempts.push(`container ${help.image}: no Docker engine reachable (${docker.reason})`);
  }

  if (probes.inProcess) {
    try {
      const value = await probes.inProcess();
      if (containerError !== undefined) {
        process.emitWarning(`test-services: ${containerError}; using the ${help.inProcess ?? 'in-process'} fallback`);
      }
      return value;
    } catch (error) {
      attempts.push(`${help.inProcess ?? 'in-process fallback'}: ${errorMessage(error)}`);
    }
  }

  const message =
    `No ${help.service} available for tests. Tried, in order:\n` +
    attempts.map((attempt, i) => `  ${i + 1}. ${attempt}`).join('\n') +
    `\n${howToProvide(help)}`;
  throw new TestServiceUnavailableError(help.service, attempts, message);
}
