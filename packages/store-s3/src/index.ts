export { LONG_ID_BYTES } from './keys.js';
export {
  DEFAULT_LIST_CONCURRENCY,
  DEFAULT_MAX_ATTEMPTS,
  MAX_PREFIX_BYTES,
  optionsFromUrl,
  type S3Credentials,
  type S3StoreOptions,
} from './options.js';
export { createS3Store, openFromUrl, S3SessionStore } from './store.js';
