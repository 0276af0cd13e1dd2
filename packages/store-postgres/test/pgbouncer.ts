/**
 * Starts Debian's PgBouncer (`/usr/sbin/pgbouncer`) in transaction pooling mode on a free loopback port, in front of
 * the test PostgreSQL, with a generated ini and auth file in a temporary folder. Few server connections on purpose:
 * consecutive transactions of one client then run on different server connections, as in production.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PGBOUNCER_BINARY = process.env.PGBOUNCER_BINARY ?? '/usr/sbin/pgbouncer';

export interface PgBouncer {
  /** Connection string through PgBouncer to the same database as `serverUrl`. */
  url: string;
  port: number;
  /** Stops it (SIGTERM: immediate shutdown, clients are disconnected). */
  stop(): Promise<void>;
  /** Starts it again on the same port after `stop()`. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
  log(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** PgBouncer refuses to run as root: drop to this user when the tests run as root. */
function runAsUser(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' });
      return user;
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root and neither a "postgres" nor a "nobody" user exists for PgBouncer');
}

function iniValue(value: string): string {
  return value.includes(' ') || value === '' ? `'${value.replace(/'/g, "''")}'` : value;
}

export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER_BINARY))
    throw new Error(`${PGBOUNCER_BINARY} not found: install it with \`apt-get install -y pgbouncer\``);
  const server = new URL(serverUrl);
  const database = decodeURIComponent(server.pathname.slice(1)) || 'postgres';
  const user = decodeURIComponent(server.username) || 'postgres';
  const password = decodeURIComponent(server.password);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sp-pgbouncer-'));
  // PgBouncer runs as another user when we are root: it must read its files and write its log.
  chmodSync(dir, 0o777);
  const target = [
    `host=${iniValue(server.hostname.replace(/^\[|\]$/g, ''))}`,
    `port=${server.port || '5432'}`,
    `dbname=${iniValue(database)}`,
    `user=${iniValue(user)}`,
    ...(password ? [`password=${iniValue(password)}`] : []),
  ].join(' ');
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = ${target}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      'default_pool_size = 2',
      'max_client_conn = 100',
      'server_login_retry = 1',
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  for (const f of ['userlist.txt', 'pgbouncer.ini']) chmodSync(join(dir, f), 0o644);
  const asUser = runAsUser();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const args = [...(asUser ? ['-u', asUser] : []), join(dir, 'pgbouncer.ini')];
    const proc = spawn(PGBOUNCER_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child = proc;
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) break;
      if (await accepts(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`PgBouncer did not start on port ${port}: ${stderr}\n${readLog()}`);
  }

  function readLog(): string {
    try {
      return readFileSync(join(dir, 'pgbouncer.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    url: `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    port,
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: readLog,
  };
}
