export { assertFolderExists } from './existing.js';
export { META_DIR, TEMP_SUFFIX, V1_SESSIONS_DIR } from './layout.js';
export {
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_STALE_LOCK_MS,
  DEFAULT_STALE_TEMP_MS,
  FILE_STORE_LAYOUTS,
  type FileStoreLayout,
  type FileStoreOptions,
  optionsFromUrl,
  type ResolvedFileStoreOptions,
  resolveFileStoreOptions,
} from './options.js';
export { createFileStore, FileSessionStore, type LayoutMove, openFromUrl } from './store.js';
