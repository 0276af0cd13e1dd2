export { mapPgError } from './errors.js';
export { LATEST_VERSION, MIGRATIONS, type Migration, migrate } from './migrations.js';
export { createPostgresStore, openFromUrl } from './open.js';
export {
  DEFAULT_MAX_DOCUMENT_BYTES,
  DEFAULT_SCHEMA,
  DEFAULT_TABLE,
  optionsFromUrl,
  type PostgresStoreOptions,
  type ResolvedPostgresOptions,
} from './options.js';
export { derivedName, type TableNames, tableNames } from './sql.js';
export { PostgresSessionStore } from './store.js';
