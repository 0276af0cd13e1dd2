/** Throwaway redis-server processes on loopback ports, started and stopped by the tests. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export async function hasRedisServer(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that is free, and whose Cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if ((await portFree(port)) && (await portFree(port + 10000))) return port;
  }
}

export interface RedisProcess {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

async function waitForPing(port: number, password?: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      password,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}

/** Starts redis-server on `port` (a free one by default); `extra` are further command-line settings. */
export async function startRedis(extra: string[] = [], port?: number): Promise<RedisProcess> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), `redis-${p}-`));
  let child: ChildProcess | null = null;
  const proc: RedisProcess = {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
        {
          stdio: 'ignore',
        },
      );
      const pass = extra.indexOf('--requirepass');
      await waitForPing(p, pass >= 0 ? extra[pass + 1] : undefined);
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
    async cleanup() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await proc.start();
  return proc;
}

/** Three masters with slots spread by redis-cli, ready when cluster_state is ok on every node. */
export async function startCluster(): Promise<{ nodes: RedisProcess[]; cleanup(): Promise<void> }> {
  const nodes: RedisProcess[] = [];
  for (let i = 0; i < 3; i++)
    nodes.push(
      await startRedis([
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
      ]),
    );
  await run('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  const deadline = Date.now() + 20_000;
  for (const node of nodes) {
    const client = new Redis(node.url);
    try {
      for (;;) {
        const info = await client.cluster('INFO');
        if (String(info).includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster did not become ok: ${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  }
  return { nodes, cleanup: async () => void (await Promise.all(nodes.map((n) => n.cleanup()))) };
}
