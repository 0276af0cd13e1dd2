/**
 * The sqlite store for the reliability suites: a database file per namespace; records are rows, read and damaged
 * with a raw better-sqlite3 connection; raw storage is the bytes of the file and its WAL.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_TABLE, SqliteSessionStore } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir('reliability');
export const pathOf = (namespace: string) => join(dir, `${namespace}.db`);

function withDatabase<T>(namespace: string, fn: (db: Database.Database) => T): T {
  const db = new Database(pathOf(namespace), { fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export const sqliteHooks = {
  create: async (namespace: string) => new SqliteSessionStore({ path: pathOf(namespace) }),
  cleanup: async (namespace: string) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${pathOf(namespace)}${suffix}`, { force: true });
  },
  // Other files of the folder, and anything in the namespace's database that is not the store's table's.
  outside: async (namespace: string) => [
    ...readdirSync(dir).filter((n) => !n.startsWith(`${namespace}.db`)),
    ...withDatabase(namespace, (db) =>
      db
        .prepare<[], { name: string }>('SELECT name FROM sqlite_master')
        .all()
        .map((r) => r.name)
        .filter((n) => !n.startsWith(DEFAULT_TABLE) && !n.startsWith('sqlite_autoindex')),
    ),
  ],
  tamper: async (namespace: string, id: string, mutate: (raw: string) => string) => {
    withDatabase(namespace, (db) => {
      const row = db.prepare<[string], { head: string }>(`SELECT head FROM ${DEFAULT_TABLE} WHERE id = ?`).get(id);
      if (row === undefined) throw new Error(`no row for ${id}`);
      db.prepare(`UPDATE ${DEFAULT_TABLE} SET head = ? WHERE id = ?`).run(mutate(row.head), id);
    });
    return JSON.stringify(id);
  },
  rawDump: async (namespace: string) =>
    ['', '-wal']
      .map((s) => `${pathOf(namespace)}${s}`)
      .filter(existsSync)
      .map((p) => readFileSync(p)),
};
