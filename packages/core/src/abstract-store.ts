/**
 * What every store shares, whatever its storage model: the contract's public methods with their argument checks,
 * the closed state, the per-operation timeout and the mapping of anything thrown to a core error. The two bases an
 * adapter extends build on it: BaseSessionStore (one record per document) and SegmentedSessionStore (a head plus
 * message segments).
 */
import { parseMessages } from './codec.js';
import type {
  AppendOptions,
  ListSessionsOptions,
  ListSessionsResult,
  SessionStore,
  StoreCapabilities,
} from './contract.js';
import {
  assertNotSealed as assertNotSealedName,
  type EncryptionOptions,
  isSealed,
  resolveEncryption,
  type SessionCipher,
} from './encryption.js';
import {
  EncryptionKeyError,
  SessionCorruptError,
  SessionNotFoundError,
  SessionStoreError,
  StoreClosedError,
  StoreOperationError,
} from './errors.js';
import {
  type ForkOptions,
  type MessageSlice,
  type MessageWindow,
  type ResolvedWindow,
  resolveFork,
  resolveTruncate,
  resolveWindow,
  type TruncateOptions,
} from './history.js';
import { type AppendKey, type AppendKeyRecord, resolveAppendKey } from './idempotency.js';
import { assertValidSessionId } from './ids.js';
import { type ListQuery, resolveListQuery } from './listing.js';
import { resolveExpectedRevision, type WriteOptions } from './revisions.js';
import type { Message, SessionData } from './schema.js';
import { segmentText } from './segments.js';
import { withTimeout } from './timeout.js';

export interface StoredSession {
  /** The decoded document. */
  session: SessionData;
  /** Its stored revision. */
  revision: number;
  /** The session's remembered keyed appends (see idempotency.ts), when the backend keeps them. */
  appendKeys?: AppendKeyRecord[];
}

/**
 * Options every store takes beside its own, and that `openSessionStore(url, { encryption })` passes to the adapter
 * (what must never be written in a URL).
 */
export interface CommonStoreOptions {
  /** Encrypt what the store writes (AES-256-GCM); see EncryptionOptions. */
  encryption?: EncryptionOptions;
}

export interface BaseStoreOptions {
  /** Time limit for each operation in ms; `null` for none. */
  operationTimeoutMs?: number | null;
  /** What the backend guarantees, where it differs from the defaults (atomic revisions, 256 MiB documents). */
  capabilities?: Partial<StoreCapabilities>;
  /** Encrypt what the store writes (AES-256-GCM); see EncryptionOptions. Keys are never read from URLs. */
  encryption?: EncryptionOptions | undefined;
}

/** Large enough for any conversation a context window holds many times over; backends may lower it. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

/** A validated save, ready to write: what `prepareSave` returns and `writeSession` takes. */
export interface PreparedSave {
  /** The session id (validated). */
  id: string;
}

/**
 * The contract's public methods over a few protected I/O hooks: closed check, id and option validation, timeouts,
 * error mapping. Extend BaseSessionStore or SegmentedSessionStore rather than this class.
 */
export abstract class AbstractSessionStore<W extends PreparedSave> implements SessionStore {
  /** The backend's name, in errors and in `backend` of every SessionStoreError. */
  abstract readonly backendName: string;
  /** What the backend guarantees (atomic revisions, largest document). */
  readonly capabilities: StoreCapabilities;
  /** Time limit for each operation in ms, or null for none. */
  protected readonly operationTimeoutMs: number | null;
  /** Seals and opens stored text when the store was given `encryption`; null otherwise. */
  protected readonly cipher: SessionCipher | null;
  #closed = false;
  #closing: Promise<void> | null = null;

  protected constructor(options: BaseStoreOptions = {}) {
    this.operationTimeoutMs = options.operationTimeoutMs ?? null;
    this.cipher = resolveEncryption(options.encryption, () => this.backendName);
    this.capabilities = Object.freeze({
      atomicRevisions: options.capabilities?.atomicRevisions ?? true,
      maxDocumentBytes: options.capabilities?.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    });
  }

  // ---- what a store implements ---------------------------------------------------------------------------------
  /**
   * Validates a document for `save` (SessionValidationError, InvalidSessionIdError, SessionTooLargeError) before any
   * I/O, and returns what `writeSession` writes.
   */
  protected abstract prepareSave(value: unknown, expectedRevision: number | undefined): W;
  /** Checks the expected revision and writes, as one atomic step where the backend can; returns the new revision. */
  protected abstract writeSession(write: W): Promise<number>;
  /**
   * Adds validated messages at the end of a stored session; returns the new revision. With `key`, a retry of an
   * append the session remembers answers that append's revision (checked before the revision) and writes nothing.
   */
  protected abstract appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
    key?: AppendKey,
  ): Promise<number>;
  /** The messages a checked window selects, or null when there is no session. */
  protected abstract readMessages(id: string, window: ResolvedWindow): Promise<MessageSlice | null>;
  /** Keeps the first `keep` messages, atomically under the revision rules of `appendToSession`. */
  protected abstract truncateSession(
    id: string,
    keep: number,
    expectedRevision: number | undefined,
  ): Promise<{ revision: number; removed: number }>;
  /** Stores `newId` (must not exist) as a fork of `sourceId`: see `forkSession`. */
  protected abstract forkFrom(
    sourceId: string,
    newId: string,
    at: number | null,
    expectedRevision: number | undefined,
  ): Promise<number>;
  /** The stored document and its revision (decoded with `this.decode`), or null when there is none. */
  protected abstract readSession(id: string): Promise<StoredSession | null>;
  /** Removes the session; true when something was removed. */
  protected abstract removeSession(id: string): Promise<boolean>;
  /** Every stored id. */
  protected abstract listIds(): Promise<string[]>;
  /** Answers a validated query (see `toPage`, `pageSummaries`). */
  protected abstract listSummaries(query: ListQuery): Promise<ListSessionsResult>;
  /** A real round trip to the storage. */
  protected abstract ping(): Promise<void>;
  /** Releases what the store itself opened. Called once. */
  protected abstract closeResources(): Promise<void>;

  /** Override where the backend can answer without reading the document. */
  protected async hasSession(id: string): Promise<boolean> {
    return (await this.readSession(id)) !== null;
  }

  /** Maps a driver error to a core error. Backends override it to recognise their drivers' codes. */
  protected mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    if (error instanceof SessionStoreError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new StoreOperationError(`${this.backendName}: ${operation} failed: ${message}`, {
      backend: this.backendName,
      sessionId,
      cause: error,
    });
  }

  // ---- the contract ----------------------------------------------------------------------------------------------
  async save(session: SessionData, opts?: WriteOptions): Promise<{ revision: number }> {
    this.assertOpen();
    const write = this.prepareSave(session, resolveExpectedRevision(opts, this.backendName));
    return { revision: await this.run('save', write.id, () => this.writeSession(write)) };
  }

  async appendMessages(id: string, messages: Message[], opts?: AppendOptions): Promise<{ revision: number }> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    const expected = resolveExpectedRevision(opts, this.backendName);
    const parsed = parseMessages(messages, id, this.backendName);
    const key = resolveAppendKey(opts, segmentText(parsed), this.backendName);
    return { revision: await this.run('appendMessages', id, () => this.appendToSession(id, parsed, expected, key)) };
  }

  async loadMessages(id: string, window?: MessageWindow): Promise<MessageSlice> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    const resolved = resolveWindow(window, this.backendName);
    const slice = await this.run('loadMessages', id, () => this.readMessages(id, resolved));
    if (slice === null) throw new SessionNotFoundError(id, { backend: this.backendName });
    return slice;
  }

  async truncateMessages(
    id: string,
    keep: number,
    opts?: TruncateOptions,
  ): Promise<{ revision: number; removed: number }> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    const expected = resolveTruncate(keep, opts, this.backendName);
    return this.run('truncateMessages', id, () => this.truncateSession(id, keep, expected));
  }

  async forkSession(sourceId: string, newId: string, opts?: ForkOptions): Promise<{ revision: number }> {
    this.assertOpen();
    const fork = resolveFork(sourceId, newId, opts, this.backendName);
    const revision = await this.run('forkSession', newId, () =>
      this.forkFrom(sourceId, newId, fork.at, fork.expectedRevision),
    );
    return { revision };
  }

  async load(id: string): Promise<SessionData | null> {
    return (await this.get(id))?.session ?? null;
  }

  async get(id: string): Promise<{ session: SessionData; revision: number } | null> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    const stored = await this.run('load', id, () => this.readSession(id));
    // The keyed-append records are the store's own: never handed out.
    return stored === null ? null : { session: stored.session, revision: stored.revision };
  }

  async delete(id: string): Promise<boolean> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    return this.run('delete', id, () => this.removeSession(id));
  }

  async exists(id: string): Promise<boolean> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    return this.run('exists', id, () => this.hasSession(id));
  }

  async list(): Promise<string[]> {
    this.assertOpen();
    return this.run('list', null, () => this.listIds());
  }

  async listSessions(opts?: ListSessionsOptions): Promise<ListSessionsResult> {
    this.assertOpen();
    const query = resolveListQuery(opts, this.backendName);
    const result = this.#openNames(await this.run('listSessions', null, () => this.listSummaries(query)));
    const first = result.unreadable[0];
    if (query.strict && first !== undefined) throw first.error;
    return result;
  }

  /** The name a store keeps beside a session for listing: sealed when it encrypts (unless `clearNames`). */
  protected listedName(name: string, sessionId: string): string {
    return this.cipher === null || this.cipher.clearNames ? name : this.cipher.seal(name, sessionId, 'name');
  }

  /** A sealed name (see EncryptionOptions.clearNames) is opened; one that does not open makes its row unreadable. */
  #openNames(result: ListSessionsResult): ListSessionsResult {
    if (!result.sessions.some((s) => isSealed(s.name))) return result;
    const sessions: ListSessionsResult['sessions'] = [];
    const unreadable = [...result.unreadable];
    for (const s of result.sessions) {
      if (!isSealed(s.name)) {
        sessions.push(s);
        continue;
      }
      const record = `${this.backendName}: the listed name of ${JSON.stringify(s.id)}`;
      try {
        if (this.cipher === null) assertNotSealedName(s.name, s.id, record, this.backendName);
        sessions.push({ ...s, name: (this.cipher as SessionCipher).open(s.name, s.id, 'name', record) });
      } catch (error) {
        if (!(error instanceof SessionCorruptError || error instanceof EncryptionKeyError)) throw error;
        unreadable.push({ id: s.id, record, error });
      }
    }
    return { ...result, sessions, unreadable };
  }

  async healthCheck(): Promise<void> {
    this.assertOpen();
    await this.run('healthCheck', null, () => this.ping());
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.closeResources().catch((error) => {
      throw this.mapError(error, 'close', null);
    });
    return this.#closing;
  }

  /** `await using store = …` closes the store at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once `close()` was called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Throws StoreClosedError once `close()` was called. */
  protected assertOpen(): void {
    if (this.#closed) throw new StoreClosedError({ backend: this.backendName });
  }

  /** Runs one backend operation under the store's timeout and maps what it throws to a core error. */
  protected async run<T>(operation: string, sessionId: string | null, fn: () => Promise<T>): Promise<T> {
    try {
      const pending = fn();
      return await (this.operationTimeoutMs === null
        ? pending
        : withTimeout(pending, this.operationTimeoutMs, operation, this.backendName, sessionId));
    } catch (error) {
      throw this.mapError(error, operation, sessionId);
    }
  }
}
