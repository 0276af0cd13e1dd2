/**
 * The application API of agent-sessions: the SessionStore contract, the session document (schema and types), the
 * errors, `openSessionStore` and `createSession`. Adapter authors import `@agent-sessions/core/adapter` as well.
 */
export { type EncodeOptions, encodeSession, parseSession } from './codec.js';
export type {
  AppendOptions,
  ForkOptions,
  ListSessionsOptions,
  ListSessionsResult,
  MessageSlice,
  MessageWindow,
  SessionStore,
  SessionSummary,
  StoreCapabilities,
  TruncateOptions,
  UnreadableSession,
} from './contract.js';
export { createSession, type NewSessionOptions, nowSeconds } from './create-session.js';
export type { EncryptionKey, EncryptionOptions } from './encryption.js';
export * from './errors.js';
export { APPEND_KEY_WINDOW, MAX_APPEND_KEY_LENGTH } from './idempotency.js';
export { isValidSessionId, MAX_SESSION_ID_BYTES } from './ids.js';
export { type JsonValue, MAX_JSON_DEPTH } from './json.js';
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './listing.js';
export {
  BACKEND_PACKAGES,
  DEFAULT_SESSION_STORE_URL,
  type OpenSessionStoreOptions,
  openSessionStore,
  SESSION_STORE_URL_ENV,
  type SessionStoreModule,
} from './open.js';
export type { WriteOptions } from './revisions.js';
export * from './schema.js';
export type { StoreUrl } from './store-url.js';
