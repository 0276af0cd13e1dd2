/**
 * The shared half of every backend: argument checks, the codec, size limits, timeouts, the closed state and error
 * wrapping, so each adapter's `store.ts` holds only its I/O. Third-party adapters may extend it too.
 */
import { decodeSession, encodeSession, parseMessages, parseSessionOver } from './codec.js';
import type { ListSessionsOptions, ListSessionsResult, SessionStore, StoreCapabilities } from './contract.js';
import {
  InvalidArgumentError,
  SessionConflictError,
  SessionNotFoundError,
  SessionStoreError,
  SessionTooLargeError,
  StoreClosedError,
  StoreOperationError,
} from './errors.js';
import { assertValidSessionId } from './ids.js';
import type { KnownPrefix } from './known-history.js';
import { type ListQuery, resolveListQuery } from './listing.js';
import type { PrefixCheck } from './message-log.js';
import { assertRevision, resolveExpectedRevision, type WriteOptions } from './revisions.js';
import type { Message, SessionData } from './schema.js';
import { withTimeout } from './timeout.js';

/** A validated write handed to the backend. */
export interface SessionWrite {
  id: string;
  /** The canonical document. */
  session: SessionData;
  /** `session` encoded by the store's `encode` (checked against `maxDocumentBytes`). */
  json: string;
  /** Write only when the stored revision equals this (0: must not exist); undefined: unconditionally. */
  expectedRevision: number | undefined;
  /** How the messages compare with the stored history the store remembered (stores overriding `knownPrefix`). */
  prefix?: PrefixCheck;
}

export interface StoredSession {
  session: SessionData;
  revision: number;
}

export interface BaseStoreOptions {
  /** Time limit for each operation in ms; `null` for none. */
  operationTimeoutMs?: number | null;
  capabilities?: Partial<StoreCapabilities>;
}

/** Large enough for any conversation a context window holds many times over; backends may lower it. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

export abstract class BaseSessionStore implements SessionStore {
  abstract readonly backendName: string;
  readonly capabilities: StoreCapabilities;
  protected readonly operationTimeoutMs: number | null;
  #closed = false;
  #closing: Promise<void> | null = null;

  protected constructor(options: BaseStoreOptions = {}) {
    this.operationTimeoutMs = options.operationTimeoutMs ?? null;
    this.capabilities = Object.freeze({
      atomicRevisions: options.capabilities?.atomicRevisions ?? true,
      maxDocumentBytes: options.capabilities?.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    });
  }

  // ---- what a backend implements ----------------------------------------------------------------------------
  /** Reads a session: decode stored bytes with `this.decode(...)`. */
  protected abstract readSession(id: string): Promise<StoredSession | null>;
  /** Checks `expectedRevision` and writes, as one atomic step where the backend can; returns the new revision. */
  protected abstract writeSession(write: SessionWrite): Promise<number>;
  protected abstract removeSession(id: string): Promise<boolean>;
  protected abstract listIds(): Promise<string[]>;
  /** Answers a validated query (see `toPage`, `pageSummaries`). */
  protected abstract listSummaries(query: ListQuery): Promise<ListSessionsResult>;
  /** A real round trip to the storage. */
  protected abstract ping(): Promise<void>;
  /** Releases what the store itself opened. Called once. */
  protected abstract closeResources(): Promise<void>;

  /**
   * The stored history this store remembers for a session being saved (see KnownHistories), or null. `first` is
   * the caller's first message, unchecked. Split stores override it so a save skips what is already stored.
   */
  protected knownPrefix(_id: string, _first: unknown): KnownPrefix | null {
    return null;
  }

  /** Override where the backend can answer without reading the document. */
  protected async hasSession(id: string): Promise<boolean> {
    return (await this.readSession(id)) !== null;
  }

  /**
   * Appends messages. This default is a read-modify-write made safe by the backend's atomic revision check: it
   * retries when another writer got in between (unless the caller pinned a revision). Backends that can append
   * without rewriting the history override it.
   */
  protected async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
  ): Promise<number> {
    for (;;) {
      const current = await this.readSession(id);
      if (current === null) {
        if (expectedRevision !== undefined)
          throw new SessionConflictError(id, expectedRevision, null, { backend: this.backendName });
        throw new SessionNotFoundError(id, { backend: this.backendName });
      }
      assertRevision(id, expectedRevision, current.revision, this.backendName);
      const session = { ...current.session, messages: [...current.session.messages, ...messages] } as SessionData;
      try {
        return await this.writeSession(this.prepareWrite(session, current.revision));
      } catch (error) {
        if (error instanceof SessionConflictError && expectedRevision === undefined) continue;
        throw error;
      }
    }
  }

  /** How this backend serializes a document (the file store overrides it with pretty JSON). */
  protected encode(session: SessionData): string {
    return encodeSession(session);
  }

  /** Decodes stored bytes; `record` names where they live for SessionCorruptError. */
  protected decode(bytes: string | Uint8Array, record: string, sessionId: string | null): SessionData {
    return decodeSession(bytes, { backend: this.backendName, sessionId, record });
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

  // ---- the contract ------------------------------------------------------------------------------------------
  protected prepareWrite(session: SessionData, expectedRevision: number | undefined): SessionWrite {
    const json = this.encode(session);
    // Byte length of the UTF-8 encoding, computed without allocating a buffer.
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.capabilities.maxDocumentBytes)
      throw new SessionTooLargeError(session.id, bytes, this.capabilities.maxDocumentBytes, {
        backend: this.backendName,
      });
    return { id: session.id, session, json, expectedRevision };
  }

  async save(session: SessionData, opts?: WriteOptions): Promise<{ revision: number }> {
    this.assertOpen();
    const expected = resolveExpectedRevision(opts, this.backendName);
    const input = session as { id?: unknown; messages?: unknown };
    const known =
      typeof input?.id === 'string' && Array.isArray(input.messages)
        ? this.knownPrefix(input.id, input.messages[0])
        : null;
    const { session: parsed, unchanged } = parseSessionOver(session, known?.messages ?? [], this.backendName);
    assertValidSessionId(parsed.id, this.backendName);
    const write = this.prepareWrite(parsed, expected);
    if (known !== null) write.prefix = { state: known.state, unchanged, bytes: known.bytes };
    return { revision: await this.run('save', parsed.id, () => this.writeSession(write)) };
  }

  async appendMessages(id: string, messages: Message[], opts?: WriteOptions): Promise<{ revision: number }> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    const expected = resolveExpectedRevision(opts, this.backendName);
    const parsed = parseMessages(messages, id, this.backendName);
    return { revision: await this.run('appendMessages', id, () => this.appendToSession(id, parsed, expected)) };
  }

  async load(id: string): Promise<SessionData | null> {
    return (await this.get(id))?.session ?? null;
  }

  async get(id: string): Promise<StoredSession | null> {
    this.assertOpen();
    assertValidSessionId(id, this.backendName);
    return this.run('load', id, () => this.readSession(id));
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
    return this.run('listSessions', null, () => this.listSummaries(query));
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

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** True once `close()` was called. */
  protected get closed(): boolean {
    return this.#closed;
  }

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

/** Validates a positive integer option (ms, bytes, counts). */
export function positiveIntegerOption(name: string, value: unknown, fallback: number, backend?: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError(name, `expected a positive integer, got ${String(value)}`, { backend });
  return value;
}

/** Validates a non-negative integer option (0 allowed: sizes of caches a caller may turn off). */
export function nonNegativeIntegerOption(name: string, value: unknown, fallback: number, backend?: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(name, `expected 0 or a positive integer, got ${String(value)}`, { backend });
  return value;
}
