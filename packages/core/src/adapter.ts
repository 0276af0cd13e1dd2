/**
 * `@agent-sessions/core/adapter`: what a backend is built from. Extend BaseSessionStore (one record per document)
 * or SegmentedSessionStore (a head plus message segments) and implement only the I/O; every rule that is not I/O
 * (validation, encoding, ids, revisions, listing order and cursors, sizes, timeouts, URL parameters) is here, so
 * every backend applies it the same way. The application API is re-exported too.
 */

export {
  AbstractSessionStore,
  type BaseStoreOptions,
  type CommonStoreOptions,
  DEFAULT_MAX_DOCUMENT_BYTES,
  type PreparedSave,
  type StoredSession,
} from './abstract-store.js';
export { BaseSessionStore, type SessionWrite } from './base-store.js';
export {
  type DecodeContext,
  decodeSession,
  decodeSessionValue,
  parseJsonText,
  parseMessages,
} from './codec.js';
export { mapLimit } from './concurrency.js';
export {
  assertNotSealed,
  firstSealedSegment,
  isSealed,
  resolveEncryption,
  type SealedPart,
  SessionCipher,
  sealedKeyId,
} from './encryption.js';
export {
  assertWithinHistory,
  forkedDocument,
  type ResolvedWindow,
  truncatedDocument,
  windowRange,
} from './history.js';
export {
  type AppendKey,
  type AppendKeyRecord,
  decodeAppendKeys,
  encodeAppendKeys,
  nextAppendKeys,
  replayedAppend,
  replayedRevision,
  reusedKeyError,
  withAppendKey,
} from './idempotency.js';
export {
  assertValidSessionId,
  DOCUMENT_EXTENSION,
  type DocumentName,
  decodeIdSegment,
  documentName,
  encodeIdSegment,
  hashedDocumentName,
  isPlainId,
  parseDocumentName,
} from './ids.js';
export * from './index.js';
export { findUnsafeIntegerLiteral } from './json.js';
export { DEFAULT_HISTORY_CACHE_BYTES } from './known-history.js';
export {
  compareIds,
  compareSummaries,
  decodeCursor,
  encodeCursor,
  type HeadSummary,
  headSummary,
  isAfter,
  type ListPosition,
  type ListQuery,
  type ListRow,
  listingRow,
  pageSummaries,
  summarize,
  toPage,
  type UnreadableRow,
} from './listing.js';
export { nonNegativeIntegerOption, positiveIntegerOption, timeoutOption } from './options.js';
export {
  assertRevision,
  missingSessionError,
  nextRevision,
  resolveExpectedRevision,
} from './revisions.js';
export type { StoredSegment } from './segment-history.js';
export {
  type Committed,
  type SegmentAppend,
  SegmentedSessionStore,
  type SegmentedStoreOptions,
  type SegmentSave,
  type SegmentTruncate,
  type SegmentWrite,
  type StoredParts,
  type StoredSegments,
  type StoredState,
} from './segmented-store.js';
export { digestSegment, EMPTY_MESSAGES_DIGEST, type SegmentState } from './segments.js';
export {
  parseStoreUrl,
  type ReadUrlParamsOptions,
  readUrlParams,
  type UrlParam,
  type UrlParamValues,
} from './store-url.js';
export * from './text.js';
export { DEFAULT_OPERATION_TIMEOUT_MS, resolveTimeoutMs, withTimeout } from './timeout.js';
export * from './timestamp.js';
