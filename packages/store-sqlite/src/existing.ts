/**
 * `create: false`: the database file and its tables must already be there. A missing file is a StoreNotFoundError
 * naming it and no file is created; a database without this store's tables is one too and no table is created.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreNotFoundError } from '@agent-sessions/core/adapter';
import type Database from 'better-sqlite3';
import { readSchemaVersion } from './migrations.js';
import { BACKEND } from './options.js';
import type { SqlNames } from './sql.js';

/** Throws StoreNotFoundError when there is no file at `path`. */
export function assertDatabaseFileExists(path: string): void {
  if (existsSync(path)) return;
  const absolute = resolve(path);
  throw new StoreNotFoundError(
    `sqlite: the database file ${absolute} does not exist; check the path (nothing was created: the store was opened with create: false)`,
    absolute,
    { backend: BACKEND },
  );
}

/** Throws StoreNotFoundError when the database holds no sessions table of this store (schema version 0). */
export function assertTablesExist(db: Database.Database, names: SqlNames, where: string): void {
  if (readSchemaVersion(db, names) > 0) return;
  throw new StoreNotFoundError(
    `sqlite: ${where} has no session tables ("${names.table}"); check the path and the table parameter ` +
      '(nothing was created: the store was opened with create: false)',
    where,
    { backend: BACKEND },
  );
}
