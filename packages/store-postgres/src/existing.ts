/**
 * `create: false`: the store's tables must already be there at this package's version. Nothing is migrated or
 * created; a missing schema or table, or tables that need an upgrade, is a StoreNotFoundError naming them.
 */
import { StoreNotFoundError } from '@agent-sessions/core/adapter';
import { BACKEND } from './options.js';
import type { TableNames } from './sql.js';

/** `version` is what the migrations table records: null when it (or its schema) does not exist. */
export function notCreatedError(names: TableNames, version: number | null): StoreNotFoundError {
  const where = `${names.schema}.${names.table}`;
  const reason =
    version === null || version === 0
      ? `has no table ${where} (or no schema "${names.schema}"); check the database, schema and table in the URL`
      : `has ${where} at schema version ${version}, older than this package's; open it once without create=false to upgrade it`;
  return new StoreNotFoundError(
    `postgres: the database ${reason} (nothing was created: the store was opened with create: false)`,
    where,
    { backend: BACKEND },
  );
}
