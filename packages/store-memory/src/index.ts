export { createMemoryStorage, type MemoryRecord, type MemoryStorage, type MemoryStoreOptions } from './options.js';
export { createMemoryStore, MemorySessionStore, openFromUrl } from './store.js';
