/** `create: false`: a missing folder is a StoreNotFoundError naming it, and nothing is created. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSession,
  openSessionStore,
  parseStoreUrl,
  StoreAccessError,
  StoreNotFoundError,
} from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { FileSessionStore, optionsFromUrl } from '../src/index.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('create-false');
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('create: false', () => {
  it('refuses a missing folder, naming it, and creates nothing', async () => {
    const parent = newDir();
    mkdirSync(parent, { recursive: true });
    const dir = join(parent, 'missing', 'sessions');
    let caught: unknown;
    try {
      new FileSessionStore({ dir, create: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreNotFoundError);
    expect((caught as StoreNotFoundError).location).toBe(dir);
    expect((caught as Error).message).toContain(dir);
    await expect(openSessionStore(`file:${dir}?create=false`, { resolveFrom: packageDir })).rejects.toThrow(
      StoreNotFoundError,
    );
    expect(existsSync(join(parent, 'missing'))).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses a path that is a file', () => {
    const parent = newDir();
    mkdirSync(parent, { recursive: true });
    const file = join(parent, 'file.txt');
    writeFileSync(file, 'x');
    expect(() => new FileSessionStore({ dir: file, create: false })).toThrow(StoreAccessError);
  });

  it('opens an existing folder and reads what is there', async () => {
    const dir = newDir();
    mkdirSync(dir, { recursive: true });
    const writer = new FileSessionStore({ dir, fsync: false });
    await writer.save(createSession({ id: 'kept' }));
    const reader = await openSessionStore(`file:${dir}?create=false`, { resolveFrom: packageDir });
    expect((await reader.listSessions()).sessions.map((s) => s.id)).toEqual(['kept']);
    expect(await reader.load('kept')).not.toBeNull();
    await reader.close();
    await writer.close();
  });

  it('is a URL parameter, and implies createDirectory: false', () => {
    const options = optionsFromUrl(parseStoreUrl('file:/x?create=false'));
    expect(options).toMatchObject({ dir: '/x', create: false });
    expect(() => new FileSessionStore({ dir: '/', create: false })).not.toThrow();
    expect(new FileSessionStore({ dir: '/', create: false }).options.createDirectory).toBe(false);
  });
});
