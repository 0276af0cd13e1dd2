import type { AppendKeyRecord, CommonStoreOptions, SessionSummary } from '@agent-sessions/core/adapter';

/** One stored session: the encoded document (so every load returns a fresh copy) and what listing needs. */
export interface MemoryRecord {
  /** The encoded document. */
  json: string;
  /** Its revision. */
  revision: number;
  /** Its listing summary. */
  summary: SessionSummary;
  /** The session's keyed-append records (idempotencyKey), beside the document. */
  appendKeys?: AppendKeyRecord[];
}

/** The data behind a store. Pass the same object to several stores to make them share data. */
export type MemoryStorage = Map<string, MemoryRecord>;

/** Options of MemorySessionStore. */
export interface MemoryStoreOptions extends CommonStoreOptions {
  /** Where sessions live. Default: a new, private map. */
  storage?: MemoryStorage;
  /** Largest encoded document accepted, in bytes. Default: core's DEFAULT_MAX_DOCUMENT_BYTES (256 MiB). */
  maxDocumentBytes?: number;
}

/** A new, empty storage map. */
export function createMemoryStorage(): MemoryStorage {
  return new Map();
}
