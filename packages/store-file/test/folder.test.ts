/** The folder itself: created on first write or required, health checks, permissions, URLs. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSession,
  InvalidArgumentError,
  parseStoreUrl,
  SessionNotFoundError,
  StoreAccessError,
} from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { FileSessionStore, openFromUrl, optionsFromUrl } from '../src/index.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('folder');
const packageDir = fileURLToPath(new URL('..', import.meta.url));

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

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

describe('the sessions folder', () => {
  it('is created on the first write, not by reads', async () => {
    const dir = join(newDir(), 'nested', 'sessions');
    const store = new FileSessionStore({ dir });
    expect(await store.load('x')).toBeNull();
    expect(await store.list()).toEqual([]);
    expect((await store.listSessions()).sessions).toEqual([]);
    expect(await store.delete('x')).toBe(false);
    expect(await errorOf(store.appendMessages('x', []))).toBeInstanceOf(SessionNotFoundError);
    expect(existsSync(dir)).toBe(false);
    await store.save(createSession({ id: 'x' }));
    // The default layout: today's a3s-code's v1 name.
    expect(existsSync(join(dir, 'v1', 'sessions', `id_${Buffer.from('x').toString('base64url')}.json`))).toBe(true);
  });

  it('with createDirectory: false must exist: writes and health checks throw StoreAccessError naming it', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir, createDirectory: false });
    for (const call of [() => store.save(createSession({ id: 'x' })), () => store.healthCheck()]) {
      const error = await errorOf(call());
      expect(error).toBeInstanceOf(StoreAccessError);
      expect((error as Error).message).toContain(dir);
    }
    expect(existsSync(dir)).toBe(false);
    expect(await store.load('x')).toBeNull();
    mkdirSync(dir);
    await store.healthCheck();
    expect(await store.save(createSession({ id: 'x' }))).toEqual({ revision: 1 });
  });

  it('healthCheck writes and removes a probe, and fails with StoreAccessError where no folder can be made', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    await store.healthCheck();
    expect(existsSync(dir)).toBe(true);
    expect(await store.list()).toEqual([]);
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const blocked = new FileSessionStore({ dir: join(file, 'sessions') });
    const error = await errorOf(blocked.healthCheck());
    expect(error).toBeInstanceOf(StoreAccessError);
    expect((error as Error).message).toContain(file);
    expect(await errorOf(blocked.save(createSession({ id: 'x' })))).toBeInstanceOf(StoreAccessError);
  });

  it('read-only: loads work, health checks and saves throw StoreAccessError naming the folder', (ctx) => {
    const cannot = unprivilegedCannotRun(join(packageDir, 'test', 'workers', 'read-only.ts'));
    if (cannot) ctx.skip(cannot);
    const dir = newDir();
    mkdirSync(dir);
    const doc = createSession({ id: 'ro' });
    writeFileSync(join(dir, 'ro.json'), JSON.stringify(doc, null, 2));
    chmodSync(dir, 0o555);
    // mkdtemp made the parent 0700; the unprivileged child must be able to reach the folder.
    chmodSync(dirname(dir), 0o755);
    const asRoot = process.getuid?.() === 0;
    const child = spawnSync(
      process.execPath,
      ['--conditions=@agent-sessions/source', '--import', 'tsx', 'test/workers/read-only.ts', dir, 'ro'],
      { cwd: packageDir, encoding: 'utf8', timeout: 60_000, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) },
    );
    chmodSync(dir, 0o755);
    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout);
    expect(result.get).toEqual({ ok: 1 });
    expect(result.list).toEqual({ ok: ['ro'] });
    for (const what of ['health', 'save']) {
      expect(result[what].error.name).toBe('StoreAccessError');
      expect(result[what].error.message).toContain(dir);
    }
  });
});

describe('options and URLs', () => {
  const dirOf = (url: string) => optionsFromUrl(parseStoreUrl(url)).dir;

  it('resolves file:./rel against the working directory, file:/abs and file:///abs as they are', () => {
    expect(new FileSessionStore(optionsFromUrl(parseStoreUrl('file:./sessions'))).dir).toBe(
      join(process.cwd(), 'sessions'),
    );
    expect(dirOf('file:/var/sessions')).toBe('/var/sessions');
    expect(dirOf('file:///var/my%20sessions')).toBe('/var/my sessions');
    expect(dirOf('file://localhost/var/x')).toBe('/var/x');
    const store = openFromUrl(
      parseStoreUrl('file:///var/lib/s?fsync=false&lockTimeoutMs=500&createDirectory=0&maxDocumentBytes=4096'),
    );
    expect(store.backendName).toBe('file');
    expect(store.options).toMatchObject({
      dir: '/var/lib/s',
      fsync: false,
      lockTimeoutMs: 500,
      createDirectory: false,
      maxDocumentBytes: 4096,
    });
    expect(store.capabilities.maxDocumentBytes).toBe(4096);
  });

  it('has documented defaults', () => {
    expect(new FileSessionStore({ dir: '/x' }).options).toEqual({
      dir: '/x',
      createDirectory: true,
      create: true,
      fsync: true,
      lockTimeoutMs: 10_000,
      staleLockMs: 30_000,
      staleTempMs: 300_000,
      operationTimeoutMs: null,
      maxDocumentBytes: 256 * 1024 * 1024,
      layout: 'v1',
    });
  });

  it('refuses bad options and URLs with InvalidArgumentError', () => {
    const bad: (() => unknown)[] = [
      () => new FileSessionStore({ dir: '' }),
      () => new FileSessionStore({ dir: '/x', lockTimeoutMs: -1 }),
      () => new FileSessionStore({ dir: '/x', fsync: 'yes' as unknown as boolean }),
      () => dirOf('file:'),
      () => dirOf('file://otherhost/x'),
      () => dirOf('file:./x?bogus=1'),
      () => dirOf('file:./x?fsync=maybe'),
      () => dirOf('file:./x?lockTimeoutMs=soon'),
    ];
    for (const call of bad) expect(call).toThrow(InvalidArgumentError);
  });
});
