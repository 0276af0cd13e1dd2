/**
 * Opening the database: the connection (ours or the caller's), its pragmas, the migrations, and every statement
 * prepared once. better-sqlite3 is synchronous, so this runs in the store's constructor and a missing or unwritable
 * folder fails there, clearly.
 */
import Database from 'better-sqlite3';
import { mapSqliteError } from './errors.js';
import { assertDatabaseFileExists, assertTablesExist } from './existing.js';
import { enableWal } from './journal.js';
import { migrate } from './migrations.js';
import { MEMORY_PATH, type ResolvedSqliteOptions } from './options.js';
import { type SqlNames, type StatementName, sqlNames, statements } from './sql.js';

export type Statements = { [K in StatementName]: Database.Statement };

export interface Connection {
  db: Database.Database;
  /** Whether the store opened the connection (and closes it). */
  owns: boolean;
  names: SqlNames;
  sql: Statements;
  /** Where the data lives, for error messages and SessionCorruptError records. */
  where: string;
}

export function openConnection(options: ResolvedSqliteOptions): Connection {
  const names = sqlNames(options.table);
  const where = `sqlite:${options.path ?? options.database?.name ?? '?'}#${options.table}`;
  const owns = options.database === null;
  let db: Database.Database | null = null;
  try {
    if (!options.create && options.path !== null && options.path !== MEMORY_PATH)
      assertDatabaseFileExists(options.path);
    db = options.database ?? new Database(options.path as string, { fileMustExist: !options.create });
    if (options.busyTimeoutMs !== null) db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    // create: false changes nothing in the file, its journal mode included.
    if (options.create && db.name !== ':memory:' && !db.memory) {
      // A database passed in keeps its own busy timeout; the WAL switch waits as long as that.
      enableWal(db, options.busyTimeoutMs ?? Number(db.pragma('busy_timeout', { simple: true })));
    }
    if (options.synchronous !== null) db.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
    if (!options.create) assertTablesExist(db, names, where);
    migrate(db, names);
    const open = db;
    const sql = Object.fromEntries(
      Object.entries(statements(names)).map(([name, text]) => [name, open.prepare(text)]),
    ) as Statements;
    return { db, owns, names, sql, where };
  } catch (error) {
    if (owns && db?.open) db.close();
    throw mapSqliteError(error, 'open', where, null);
  }
}
