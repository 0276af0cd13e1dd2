/** `create: false`: a missing database file or missing tables are StoreNotFoundError, and nothing is created. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession, openSessionStore, StoreNotFoundError } from '@agent-sessions/core/adapter';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteSessionStore } from '../src/index.js';
import { readSchemaVersion } from '../src/migrations.js';
import { sqlNames } from '../src/sql.js';
import { tempDir } from './helpers.js';

const dir = tempDir('create-false');
const packageDir = fileURLToPath(new URL('..', import.meta.url));

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return null;
}

describe('create: false', () => {
  it('refuses a missing database file, naming it, and creates no file', async () => {
    const path = join(dir, 'missing.db');
    const error = caught(() => new SqliteSessionStore({ path, create: false }));
    expect(error).toBeInstanceOf(StoreNotFoundError);
    expect((error as Error).message).toContain(path);
    expect((error as StoreNotFoundError).location).toBe(path);
    await expect(openSessionStore(`sqlite:${path}?create=false`, { resolveFrom: packageDir })).rejects.toThrow(
      StoreNotFoundError,
    );
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.startsWith('missing'))).toEqual([]);
  });

  it('refuses a database without the tables and creates none', () => {
    const path = join(dir, 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE unrelated (x INTEGER)');
    other.close();
    const before = statSync(path).size;
    const error = caught(() => new SqliteSessionStore({ path, create: false }));
    expect(error).toBeInstanceOf(StoreNotFoundError);
    expect((error as Error).message).toContain('agent_sessions');
    const check = new Database(path, { readonly: true });
    expect(readSchemaVersion(check, sqlNames('agent_sessions'))).toBe(0);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'unrelated' }]);
    check.close();
    expect(statSync(path).size).toBe(before);
  });

  it('opens an existing store and reads and writes it', async () => {
    const path = join(dir, 'sessions.db');
    const writer = new SqliteSessionStore({ path });
    await writer.save(createSession({ id: 'kept' }));
    await writer.close();
    const reader = await openSessionStore(`sqlite:${path}?create=false`, { resolveFrom: packageDir });
    expect((await reader.listSessions()).sessions.map((s) => s.id)).toEqual(['kept']);
    expect(await reader.load('kept')).not.toBeNull();
    await reader.close();
  });

  it('refuses a value that is not a boolean', () => {
    expect(() => new SqliteSessionStore({ path: join(dir, 'x.db'), create: 'no' as never })).toThrow(/create/);
  });
});
