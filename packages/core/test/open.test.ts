import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  openSessionStore,
  parseStoreUrl,
  readUrlParams,
  StoreNotInstalledError,
} from '../src/adapter.js';

const app = mkdtempSync(join(tmpdir(), 'open-app-'));
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe('readUrlParams', () => {
  const spec = {
    table: { type: 'string' },
    maxDocumentBytes: { type: 'integer' },
    historyCacheBytes: { type: 'count' },
    fsync: { type: 'boolean' },
    synchronous: { type: 'enum', values: ['full', 'normal'] },
    operationTimeoutMs: { type: 'timeout', aliases: ['timeout'] },
  } as const;
  const read = (url: string, passThrough = false) => readUrlParams(parseStoreUrl(url), spec, 'x', { passThrough });
  const refusal = (url: string, passThrough = false): Error => {
    try {
      read(url, passThrough);
    } catch (error) {
      return error as Error;
    }
    throw new Error(`${url} was accepted`);
  };

  it('converts each parameter to its type, by name or alias', () => {
    expect(
      read('x:./a?table=t&maxDocumentBytes=9&historyCacheBytes=0&fsync=false&synchronous=normal&timeout=none').values,
    ).toEqual({
      table: 't',
      maxDocumentBytes: 9,
      historyCacheBytes: 0,
      fsync: false,
      synchronous: 'normal',
      operationTimeoutMs: null,
    });
    expect(read('x:./a?fsync=1&operationTimeoutMs=250').values).toEqual({ fsync: true, operationTimeoutMs: 250 });
    expect(read('x:./a').values).toEqual({});
  });

  it('refuses an unknown parameter, naming it, the backend and what it accepts', () => {
    const error = refusal('x:./a?table=t&maxDocumentByte=9');
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ backend: 'x' });
    expect(error.message).toContain('unknown query parameter "maxDocumentByte"');
    expect(error.message).toContain('the x store accepts table, maxDocumentBytes');
  });

  it('hands unknown parameters back with passThrough, in order', () => {
    const { values, rest } = read('x:./a?sslmode=require&table=t&application_name=me', true);
    expect(values).toEqual({ table: 't' });
    expect(rest.toString()).toBe('sslmode=require&application_name=me');
  });

  it('refuses bad values and a parameter given twice (also under its alias)', () => {
    for (const url of [
      'x:./a?maxDocumentBytes=0',
      'x:./a?maxDocumentBytes=1.5',
      'x:./a?maxDocumentBytes=-1',
      'x:./a?historyCacheBytes=lots',
      'x:./a?fsync=yes',
      'x:./a?synchronous=off',
      'x:./a?operationTimeoutMs=0',
      'x:./a?table=a&table=b',
      'x:./a?timeout=5&operationTimeoutMs=5',
    ])
      expect(refusal(url), url).toBeInstanceOf(InvalidArgumentError);
    expect(refusal('x:./a?timeout=5&operationTimeoutMs=5').message).toContain('timeout and operationTimeoutMs');
  });
});

describe('parseStoreUrl', () => {
  it('splits scheme, location and parameters', () => {
    expect(parseStoreUrl('file:./sessions')).toMatchObject({ scheme: 'file', location: './sessions' });
    expect(parseStoreUrl('sqlite:/abs/s.db?table=t')).toMatchObject({ scheme: 'sqlite', location: '/abs/s.db' });
    expect(parseStoreUrl('sqlite:/abs/s.db?table=t').params.get('table')).toBe('t');
    const redis = parseStoreUrl('REDIS://user:pw@host:6379/2?prefix=app:');
    expect(redis).toMatchObject({ scheme: 'redis', location: '//user:pw@host:6379/2' });
    expect(redis.params.get('prefix')).toBe('app:');
    expect(parseStoreUrl('memory:')).toMatchObject({ scheme: 'memory', location: '' });
  });

  it('refuses what is not a URL', () => {
    for (const bad of ['', '   ', './no-scheme', 42])
      expect(() => parseStoreUrl(bad as string)).toThrow(InvalidArgumentError);
  });
});

describe('openSessionStore', () => {
  it('resolves the adapter from the application folder, not from core', async () => {
    const pkg = join(app, 'node_modules', '@acme', 'store-fake');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@acme/store-fake', type: 'module', exports: './index.js' }),
    );
    writeFileSync(join(pkg, 'index.js'), 'export function openFromUrl(url) { return { backendName: "fake", url }; }\n');
    const store = (await openSessionStore('fake:somewhere?x=1', {
      resolveFrom: app,
      packages: { fake: '@acme/store-fake' },
    })) as unknown as {
      backendName: string;
      url: { location: string; params: URLSearchParams };
    };
    expect(store.backendName).toBe('fake');
    expect(store.url.location).toBe('somewhere');
    expect(store.url.params.get('x')).toBe('1');
  });

  it('falls back to the folder of the entry script when the working directory lacks the package', async () => {
    const entry = process.argv[1];
    process.argv[1] = join(app, 'main.js'); // the app lives elsewhere; cwd is the repository root
    try {
      const store = await openSessionStore('fake:x', { packages: { fake: '@acme/store-fake' } });
      expect(store.backendName).toBe('fake');
    } finally {
      process.argv[1] = entry as string;
    }
  });

  it('a missing adapter package is StoreNotInstalledError naming the package to install', async () => {
    const error = await openSessionStore('nope:x', {
      resolveFrom: app,
      packages: { nope: '@agent-sessions/store-nope' },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(StoreNotInstalledError);
    expect(error.packageName).toBe('@agent-sessions/store-nope');
    expect(error.message).toContain('npm install @agent-sessions/store-nope');
  });

  it('a package that is not an adapter is refused clearly', async () => {
    const pkg = join(app, 'node_modules', 'not-an-adapter');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'not-an-adapter', type: 'module', exports: './index.js' }),
    );
    writeFileSync(join(pkg, 'index.js'), 'export const x = 1;\n');
    await expect(openSessionStore('na:', { resolveFrom: app, packages: { na: 'not-an-adapter' } })).rejects.toThrow(
      /does not export openFromUrl/,
    );
  });

  it('an unknown scheme lists the known ones', async () => {
    await expect(openSessionStore('ftp://x')).rejects.toThrow(/unknown scheme "ftp:".*file:.*redis:/);
  });

  it('uses SESSION_STORE_URL when no URL is given', async () => {
    const before = process.env.SESSION_STORE_URL;
    process.env.SESSION_STORE_URL = 'memory:';
    try {
      const store = await openSessionStore();
      expect(store.backendName).toBe('memory');
      await store.close();
    } finally {
      if (before === undefined) delete process.env.SESSION_STORE_URL;
      else process.env.SESSION_STORE_URL = before;
    }
  });
});
