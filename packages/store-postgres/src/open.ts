/** Construction helpers: `createPostgresStore(options)` and `openFromUrl` for `openSessionStore('postgres://…')`. */
import type { CommonStoreOptions, StoreUrl } from '@agent-sessions/core/adapter';
import { optionsFromUrl, type PostgresStoreOptions } from './options.js';
import { PostgresSessionStore } from './store.js';

/** A store over a connection string, a `pg.Pool` or a connected `pg.Client` (see PostgresStoreOptions). */
export function createPostgresStore(options: PostgresStoreOptions | string): PostgresSessionStore {
  return new PostgresSessionStore(options);
}

/**
 * Opens the store a `postgres://` or `postgresql://` URL names. `?schema=` and `?table=` are the store's own and
 * are removed; every other query parameter (`sslmode`, `application_name`, …) is pg's.
 */
export function openFromUrl(url: StoreUrl, options: CommonStoreOptions = {}): PostgresSessionStore {
  return new PostgresSessionStore({ ...optionsFromUrl(url), ...options });
}
