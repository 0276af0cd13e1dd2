import type { CommonStoreOptions, StoreUrl } from '@agent-sessions/core/adapter';
import { optionsFromUrl } from './options.js';
import { RedisSessionStore } from './store.js';

/** `openSessionStore('redis://…')`: see the README for the query parameters. */
export function openFromUrl(url: StoreUrl, options: CommonStoreOptions = {}): RedisSessionStore {
  return new RedisSessionStore({ ...optionsFromUrl(url), ...options });
}
