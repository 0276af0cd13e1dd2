/** Several processes on one database file, a writer killed mid-save, and a folder this process may not write. */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreAccessError } from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readSchemaVersion, SCHEMA_VERSION, SqliteSessionStore, sqlNames } from '../src/index.js';
import { tempDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const worker = (name: string) => join(packageDir, 'test', 'workers', `${name}.ts`);
const tsArgs = (name: string, args: string[]) => [
  '--conditions=@agent-sessions/source',
  '--import',
  'tsx',
  worker(name),
  ...args,
];
const dir = tempDir('processes');

/**
 * Why the unprivileged user (uid 65534) cannot run a worker of this checkout, or null when it can (or when the
 * tests do not run as root, so no other user is involved): a checkout under a folder that user cannot enter (say
 * /root) gives it nothing to run.
 */
function unprivilegedCannotRun(workerFile: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const probe = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', `fs.accessSync(${JSON.stringify(workerFile)}, fs.constants.R_OK)`],
    { cwd: packageDir, encoding: 'utf8', timeout: 60_000, uid: 65534, gid: 65534 },
  );
  if (probe.status === 0) return null;
  const why =
    (probe.error?.message ?? probe.stderr).split('\n').find((l) => /error/i.test(l)) ?? `exit ${probe.status}`;
  return `uid 65534 cannot read ${workerFile} (${why.trim()}): put the checkout where that user can enter every folder above it`;
}

function runWorker(name: string, args: string[], options: { uid?: number; gid?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, tsArgs(name, args), { cwd: packageDir, ...options }, (error, stdout, stderr) =>
      error ? reject(new Error(`${name} failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('sqlite: several processes', () => {
  it('two processes incrementing one session with expectedRevision lose no update', async () => {
    const path = join(dir, 'counter.db');
    const store = new SqliteSessionStore({ path });
    await store.save({ ...makeSession('counter'), counter: 0 } as never);
    const rounds = 150;
    const at = String(Date.now() + 2000); // a common start, so the two processes really overlap
    const conflicts = await Promise.all([
      runWorker('counter', [path, String(rounds), at]),
      runWorker('counter', [path, String(rounds), at]),
    ]);
    const final = await store.get('counter');
    expect((final!.session as { counter?: number }).counter).toBe(2 * rounds);
    expect(final?.revision).toBe(1 + 2 * rounds);
    // Both really ran at once: at least one of them had to retry.
    expect(conflicts.map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await store.close();
  }, 120_000);

  it('two processes writing with the same expectedRevision, round after round: exactly one wins each round', async () => {
    const path = join(dir, 'rounds.db');
    const store = new SqliteSessionStore({ path });
    await store.save(makeSession('contested', { messages: 2 }));
    const rounds = 40;
    // Both children start each round at the same moment (time slots): the checks collide instead of taking turns.
    const start = String(Date.now() + 3000);
    const [a = '', b = ''] = await Promise.all(
      ['a', 'b'].map((name) => runWorker('rounds', [path, String(rounds), name, start, '25'])),
    );
    expect(a).toHaveLength(rounds);
    expect(b).toHaveLength(rounds);
    const winners = [...a].map((result, round) => {
      expect(`${result}${b[round]}`, `round ${round}`).toMatch(/^(WL|LW)$/);
      return result === 'W' ? 'a' : 'b';
    });
    const final = (await store.get('contested'))!;
    expect(final.revision).toBe(1 + rounds);
    // Even rounds saved a renamed document (dropping earlier appends), odd rounds appended one message.
    expect(final.session.config.name).toBe(`${winners[rounds - 2]}:${rounds - 2}`);
    expect(final.session.messages).toHaveLength(3);
    expect(JSON.stringify(final.session.messages[2])).toContain(`${winners[rounds - 1]}:${rounds - 1}`);
    expect((await store.listSessions()).sessions[0]).toMatchObject({ revision: 1 + rounds, message_count: 3 });
    await store.close();
  }, 120_000);

  it('processes opening a new database at the same moment all succeed and migrate it once', async () => {
    const path = join(dir, 'fresh.db');
    const at = String(Date.now() + 1500);
    const outputs = await Promise.all(['a', 'b', 'c'].map((id) => runWorker('open', [path, at, id])));
    expect(outputs).toEqual(['ok', 'ok', 'ok']);
    const store = new SqliteSessionStore({ path });
    expect([...(await store.list())].sort()).toEqual(['a', 'b', 'c']);
    expect(readSchemaVersion(store.database, sqlNames('agent_sessions'))).toBe(SCHEMA_VERSION);
    await store.close();
  }, 60_000);

  it('opening while another process holds the write lock waits for it instead of failing the switch to WAL', async () => {
    // SQLite refuses the WAL switch at once (SQLITE_BUSY, no busy handler) while another connection is mid-write.
    const path = join(dir, 'held.db');
    new Database(path).exec('CREATE TABLE created_before (x)').close();
    const child = spawn(process.execPath, tsArgs('hold-lock', [path, '400']), {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const store = new SqliteSessionStore({ path, busyTimeoutMs: 10_000 });
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(readSchemaVersion(store.database, sqlNames('agent_sessions'))).toBe(SCHEMA_VERSION);
    await store.save(makeSession('after-wait'));
    expect(await store.list()).toEqual(['after-wait']);
    await new Promise((resolve) => child.once('exit', resolve));
    await store.close();
  }, 60_000);

  it('a writer killed mid-save leaves the last committed document, which loads', async () => {
    const path = join(dir, 'killed.db');
    const child: ChildProcess = spawn(process.execPath, tsArgs('writer', [path]), {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.split('\n').length > 25) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const committed = output.trim().split('\n').map(Number);
    const store = new SqliteSessionStore({ path });
    const stored = await store.get('victim');
    expect(stored).not.toBeNull();
    // The kill may land after a commit whose revision was not printed yet, never before the last printed one.
    expect(stored!.revision).toBeGreaterThanOrEqual(committed.at(-1)!);
    expect(stored!.session.updated_at).toBe(stored!.revision - 1);
    expect(stored!.session.messages.length).toBe(200 + ((stored!.revision - 1) % 50));
    expect((await store.listSessions()).sessions[0]?.revision).toBe(stored!.revision);
    await store.close();
  }, 60_000);
});

describe('sqlite: where the file cannot be written', () => {
  it('a missing folder is StoreAccessError at open, naming the problem', () => {
    const error = (() => {
      try {
        new SqliteSessionStore({ path: join(dir, 'no', 'such', 'folder', 's.db') });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StoreAccessError);
    expect((error as Error).message).toMatch(/folder of the database file does not exist/);
  });

  // Permission bits do not stop root, so these run in a child process as the unprivileged user `nobody`.
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

  it('a read-only folder: a new database fails at open, an existing one fails healthCheck, both StoreAccessError', async (ctx) => {
    const cannot = unprivilegedCannotRun(worker('health'));
    if (cannot) ctx.skip(cannot);
    const ro = join(dir, 'readonly');
    mkdirSync(ro);
    const seed = new SqliteSessionStore({ path: join(dir, 'seed.db') });
    await seed.save(makeSession('x'));
    await seed.close();
    copyFileSync(join(dir, 'seed.db'), join(ro, 'existing.db'));
    chmodSync(join(ro, 'existing.db'), 0o444);
    chmodSync(ro, 0o555);
    if (process.getuid?.() === 0) chownSync(ro, 0, 0);
    chmodSync(dir, 0o755);
    const created = await runWorker('health', [join(ro, 'new.db')], asNobody);
    expect(created).toMatch(/^open:StoreAccessError:.*(cannot open|read-only)/);
    const existing = await runWorker('health', [join(ro, 'existing.db')], asNobody);
    expect(existing).toMatch(/StoreAccessError:.*read-only/);
  }, 60_000);
});
