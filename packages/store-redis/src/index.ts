export { mapRedisError } from './errors.js';
export { indexMember, parseIndexMember, sessionKeys } from './keys.js';
export { openFromUrl } from './open.js';
export { DEFAULT_PREFIX, optionsFromUrl, type RedisStoreOptions, type ResolvedRedisOptions } from './options.js';
export { createRedisStore, RedisSessionStore } from './store.js';
