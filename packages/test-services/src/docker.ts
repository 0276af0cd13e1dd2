import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { canConnect, exchange, type SocketTarget } from './net.js';
import { type DockerStatus, errorMessage } from './resolve.js';

const PING = 'GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n';

/** Sends GET /_ping to a Docker engine and checks for HTTP 200. */
async function ping(target: SocketTarget, timeoutMs: number): Promise<void> {
  const answer = await exchange(target, PING, (received) => received.includes('\r\n\r\n'), timeoutMs);
  const status = answer.toString('latin1').split('\r\n', 1)[0] ?? '';
  if (!/^HTTP\/1\.[01] 200\b/.test(status)) throw new Error(`answered "${status}" to GET /_ping`);
}

/** The `docker.host` entry of ~/.testcontainers.properties, which testcontainers also honours. */
function propertiesDockerHost(home: string): string | undefined {
  const file = join(home, '.testcontainers.properties');
  if (!existsSync(file)) return undefined;
  try {
    const line = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .find((l) => /^\s*docker\.host\s*=/.test(l));
    return line?.split('=').slice(1).join('=').trim() || undefined;
  } catch {
    return undefined;
  }
}

async function checkHost(host: string, tls: boolean, timeoutMs: number): Promise<void> {
  const url = new URL(host);
  switch (url.protocol) {
    case 'unix:':
      return ping({ path: decodeURIComponent(url.pathname) }, timeoutMs);
    case 'npipe:':
      return ping(
        { path: `\\\\.\\pipe\\${url.pathname.split('/').filter(Boolean).pop() ?? 'docker_engine'}` },
        timeoutMs,
      );
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const port = Number(url.port || (url.protocol === 'https:' || tls ? 2376 : 2375));
      // Behind TLS a plain HTTP ping cannot work; an open port is the quick answer.
      if (tls || url.protocol === 'https:') return canConnect(url.hostname, port, timeoutMs);
      return ping({ host: url.hostname, port }, timeoutMs);
    }
    default:
      // ssh:// and others cannot be checked cheaply: let testcontainers try.
      return;
  }
}

/** Socket paths testcontainers looks at when DOCKER_HOST is not set. */
function candidateSockets(env: NodeJS.ProcessEnv, home: string): string[] {
  const paths = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  paths.push(join(home, '.docker', 'run', 'docker.sock'), join(home, '.docker', 'desktop', 'docker.sock'));
  if (typeof process.getuid === 'function') paths.push(`/run/user/${process.getuid()}/docker.sock`);
  return [...new Set(paths)];
}

/**
 * Checks quickly whether a Docker engine answers: DOCKER_HOST (or docker.host in ~/.testcontainers.properties),
 * else the usual socket paths. Without any of them this takes no I/O beyond a few stat calls.
 */
export async function dockerStatus(
  env: NodeJS.ProcessEnv = process.env,
  options: { timeoutMs?: number; home?: string } = {},
): Promise<DockerStatus> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const home = options.home ?? homedir();
  const tls = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
  const configured = env.DOCKER_HOST || propertiesDockerHost(home);
  if (configured) {
    const name = env.DOCKER_HOST ? `DOCKER_HOST=${configured}` : `docker.host=${configured}`;
    try {
      await checkHost(configured, tls, timeoutMs);
      return { reachable: true, host: configured };
    } catch (error) {
      return { reachable: false, reason: `${name} did not answer: ${errorMessage(error)}` };
    }
  }
  if (process.platform === 'win32') {
    const pipe = 'npipe:////./pipe/docker_engine';
    try {
      await checkHost(pipe, false, timeoutMs);
      return { reachable: true, host: pipe };
    } catch (error) {
      return { reachable: false, reason: `DOCKER_HOST not set; ${pipe} did not answer: ${errorMessage(error)}` };
    }
  }
  const problems: string[] = [];
  const missing: string[] = [];
  for (const path of candidateSockets(env, home)) {
    if (!existsSync(path)) {
      missing.push(path);
      continue;
    }
    try {
      await ping({ path }, timeoutMs);
      return { reachable: true, host: `unix://${path}` };
    } catch (error) {
      problems.push(`${path} did not answer: ${errorMessage(error)}`);
    }
  }
  if (missing.length > 0) problems.push(`no socket at ${missing.join(', ')}`);
  return { reachable: false, reason: `DOCKER_HOST not set; ${problems.join('; ')}` };
}

let cached: Promise<DockerStatus> | undefined;

/** `dockerStatus()` for this process's environment, checked once. */
export function dockerStatusOnce(): Promise<DockerStatus> {
  cached ??= dockerStatus();
  return cached;
}

/** Loads testcontainers only when a container is really needed. */
export async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  return import('testcontainers');
}
