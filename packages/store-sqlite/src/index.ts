export { mapSqliteError } from './errors.js';
export { MIGRATIONS, migrate, readSchemaVersion, SCHEMA_VERSION } from './migrations.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_TABLE,
  optionsFromUrl,
  type ResolvedSqliteOptions,
  type SqliteStoreOptions,
  type SynchronousMode,
} from './options.js';
export { sqlNames } from './sql.js';
export { createSqliteStore, openFromUrl, SqliteSessionStore } from './store.js';
