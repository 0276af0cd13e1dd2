export {
  createZmapStorage,
  openFromUrl,
  type ZmapRecord,
  ZmapSessionStore,
  type ZmapStorage,
  type ZmapStoreOptions,
} from './store.js';
