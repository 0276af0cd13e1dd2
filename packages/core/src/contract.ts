/** The SessionStore contract that every backend implements and the conformance suite checks. */
import type { EncryptionKeyError, SessionCorruptError } from './errors.js';
import type { ForkOptions, MessageSlice, MessageWindow, TruncateOptions } from './history.js';
import type { WriteOptions } from './revisions.js';

export type { ForkOptions, MessageSlice, MessageWindow, TruncateOptions } from './history.js';

export interface AppendOptions extends WriteOptions {
  /**
   * Makes the append safe to retry (after a timeout whose outcome you could not see): the session remembers its
   * last APPEND_KEY_WINDOW (16) keys, and a retry with one of them answers the first success's revision and writes
   * nothing. A key is checked before `expectedRevision`, so a retry with the same options succeeds. The same key
   * with other messages throws InvalidArgumentError. 1 to 200 characters; use a new UUID per logical append.
   */
  idempotencyKey?: string;
}

import type { Message, SessionData, SessionState } from './schema.js';

/** One row of `listSessions`: what a session picker needs, without reading the conversation. */
export interface SessionSummary {
  /** The session id. */
  id: string;
  /** `config.name`. */
  name: string;
  /** The session's state. */
  state: SessionState;
  /** Creation time, Unix seconds. */
  created_at: number;
  /** Last update time, Unix seconds (the listing order). */
  updated_at: number;
  /** The top-level `parent_id`, or null. */
  parent_id: string | null;
  /** Number of messages. */
  message_count: number;
  /** The stored revision. */
  revision: number;
}

/** What `listSessions` takes: page size, cursor, parent filter, strictness. */
export interface ListSessionsOptions {
  /** Page size, 1 to 1000. Default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Only sessions whose top-level `parent_id` equals this. */
  parentId?: string;
  /**
   * Throw the SessionCorruptError of the first record this page cannot read, instead of listing the others and
   * reporting it in `unreadable`. Default false.
   */
  strict?: boolean;
}

/** A stored record a listing could not read (another program damaged it, a crash elsewhere, a foreign file). */
export interface UnreadableSession {
  /** The session's id, when the store can tell it without reading the record (null: a hashed name, say). */
  id: string | null;
  /** Where it lives (file path, key, row), as in the error. */
  record: string;
  /** What `load` of it throws too (EncryptionKeyError: it is sealed with a key the store was not given). */
  error: SessionCorruptError | EncryptionKeyError;
}

/** One page of `listSessions`. */
export interface ListSessionsResult {
  /** Ordered by `updated_at` descending, then `id` ascending (UTF-8 byte order). */
  sessions: SessionSummary[];
  /** Pass to the next call to get the following page; null on the last page. */
  nextCursor: string | null;
  /**
   * Records met on this page that could not be read; the listing went on around them (they count towards `limit`,
   * so a page may hold fewer sessions). Records whose place in the order is unknown are reported on the first page.
   */
  unreadable: UnreadableSession[];
}

/** What a backend cannot guarantee; the conformance suite skips the matching tests by name. */
export interface StoreCapabilities {
  /** The revision check and the write are one atomic step across processes. */
  atomicRevisions: boolean;
  /** The largest encoded document the backend accepts, in bytes (SessionTooLargeError above it). */
  maxDocumentBytes: number;
}

/** The contract every backend implements: whole-document saves with revisions, appends, loads, listing, health. */
export interface SessionStore extends AsyncDisposable {
  /** "memory" | "file" | "sqlite" | "redis" | "postgres" | "s3" | a third party's name. */
  readonly backendName: string;
  /** What the backend guarantees (atomic revisions, largest document). */
  readonly capabilities?: StoreCapabilities;
  /** Validates and stores the whole document; returns the new revision (1 after the first save). */
  save(session: SessionData, opts?: WriteOptions): Promise<{ revision: number }>;
  /** Adds messages at the end of a stored session; returns the new revision. */
  appendMessages(id: string, messages: Message[], opts?: AppendOptions): Promise<{ revision: number }>;
  /**
   * A slice of the stored history (default: all of it) with the history's length and revision. Split stores read
   * only the segments that hold the slice. SessionNotFoundError when there is no session.
   */
  loadMessages(id: string, window?: MessageWindow): Promise<MessageSlice>;
  /**
   * Keeps the first `keep` messages (0 to the stored count; `total - 1` pops the last) and sets `updated_at` to
   * now; `removed` says how many went. Atomic under the revision rules of `appendMessages`. `keep` equal to the
   * count removes nothing and leaves the revision as it is.
   */
  truncateMessages(id: string, keep: number, opts?: TruncateOptions): Promise<{ revision: number; removed: number }>;
  /**
   * Stores `newId` (which must not exist: SessionConflictError) as a copy of `sourceId`'s head with `parent_id` set
   * to the source, created and updated now, holding the source's first `atMessage` messages (default all). The
   * fork is a session of its own: later writes to the source never change it. Returns its revision (1).
   */
  forkSession(sourceId: string, newId: string, opts?: ForkOptions): Promise<{ revision: number }>;
  /** The stored document, or null when there is none. */
  load(id: string): Promise<SessionData | null>;
  /** The stored document and its revision, or null. */
  get(id: string): Promise<{ session: SessionData; revision: number } | null>;
  /** Idempotent; true when something was removed. */
  delete(id: string): Promise<boolean>;
  /** Whether a session with this id is stored (without reading the document where the backend can). */
  exists(id: string): Promise<boolean>;
  /** Every id, exactly as saved. */
  list(): Promise<string[]>;
  /** A page of summaries, newest first; reads no documents. A damaged record is reported in `unreadable`. */
  listSessions(opts?: ListSessionsOptions): Promise<ListSessionsResult>;
  /** A real round trip to the storage; throws StoreUnavailableError or StoreAccessError. */
  healthCheck(): Promise<void>;
  /** Idempotent; closes only what the store itself opened. */
  close(): Promise<void>;
}
