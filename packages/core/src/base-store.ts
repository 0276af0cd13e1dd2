/**
 * The base of stores that keep each session as one record (memory, file, s3, and most third-party adapters): the
 * document is validated and encoded once and measured against `maxDocumentBytes` before the adapter writes it, so
 * an adapter's `store.ts` holds only its I/O.
 */
import { AbstractSessionStore, type PreparedSave, type StoredSession } from './abstract-store.js';
import { decodeSession, encodeSession, parseSession } from './codec.js';
import { assertNotSealed, isSealed, type SessionCipher } from './encryption.js';
import { SessionConflictError, SessionCorruptError, SessionTooLargeError } from './errors.js';
import {
  assertWithinHistory,
  forkedDocument,
  type MessageSlice,
  type ResolvedWindow,
  truncatedDocument,
  windowRange,
} from './history.js';
import { type AppendKey, type AppendKeyRecord, replayedRevision, withAppendKey } from './idempotency.js';
import { assertValidSessionId } from './ids.js';
import { assertRevision, missingSessionError } from './revisions.js';
import type { Message, SessionData } from './schema.js';

/** A validated write handed to the backend. */
export interface SessionWrite extends PreparedSave {
  /** The canonical document. */
  session: SessionData;
  /** `session` encoded by the store's `encode`, sealed when the store encrypts (checked against `maxDocumentBytes`). */
  json: string;
  /** Write only when the stored revision equals this (0: must not exist); undefined: unconditionally. */
  expectedRevision: number | undefined;
  /**
   * The session's keyed-append records after this write (a keyed append sets them): store them beside the document,
   * in the same atomic step, and return them as `appendKeys` from `readSession`. Undefined: keep the stored ones
   * (a new session has none).
   */
  appendKeys?: AppendKeyRecord[];
}

export abstract class BaseSessionStore extends AbstractSessionStore<SessionWrite> {
  /** How this backend serializes a document (the file store overrides it with pretty JSON). */
  protected encode(session: SessionData): string {
    return encodeSession(session);
  }

  /**
   * Decodes stored bytes; `record` names where they live for SessionCorruptError, also when they hold another
   * session than `sessionId` (null: any). A sealed record is opened first (see `encryption`).
   */
  protected decode(bytes: string | Uint8Array, record: string, sessionId: string | null): SessionData {
    const text =
      typeof bytes === 'string'
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const session = decodeSession(this.openDocument(text, sessionId, record), {
      backend: this.backendName,
      sessionId,
      record,
    });
    if (sessionId !== null && session.id !== sessionId)
      throw new SessionCorruptError(record, `it holds the session "${session.id}"`, {
        backend: this.backendName,
        sessionId,
      });
    return session;
  }

  /** The stored form of an encoded document: sealed when the store encrypts, else the JSON itself. */
  protected sealDocument(json: string, sessionId: string): string {
    return this.cipher === null ? json : this.cipher.seal(json, sessionId, 'document');
  }

  /** The JSON of a stored document (`text` in clear is returned as it is; see SessionCipher.open). */
  protected openDocument(text: string, sessionId: string | null, record: string): string {
    if (!isSealed(text)) return text;
    if (this.cipher === null) assertNotSealed(text, sessionId, record, this.backendName);
    if (sessionId === null)
      throw new SessionCorruptError(record, 'it is encrypted, and which session it belongs to is not known', {
        backend: this.backendName,
      });
    return (this.cipher as SessionCipher).open(text, sessionId, 'document', record);
  }

  /** A canonical document, encoded (and sealed) and measured: a write the backend can make. */
  protected prepareWrite(session: SessionData, expectedRevision: number | undefined): SessionWrite {
    const json = this.sealDocument(this.encode(session), session.id);
    // Byte length of the UTF-8 encoding, computed without allocating a buffer.
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.capabilities.maxDocumentBytes)
      throw new SessionTooLargeError(session.id, bytes, this.capabilities.maxDocumentBytes, {
        backend: this.backendName,
      });
    return { id: session.id, session, json, expectedRevision };
  }

  protected prepareSave(value: unknown, expectedRevision: number | undefined): SessionWrite {
    const session = parseSession(value, this.backendName);
    assertValidSessionId(session.id, this.backendName);
    return this.prepareWrite(session, expectedRevision);
  }

  /**
   * The read-modify-write every default below makes safe by the backend's atomic revision check: `change` maps the
   * stored session to a write (or to an answer that needs none), and a conflict with another writer retries it,
   * unless the caller pinned a revision. Backends that can do better override the operations.
   */
  async #modify<T>(
    id: string,
    expectedRevision: number | undefined,
    change: (current: StoredSession) => { write: SessionWrite; answer: (revision: number) => T } | { done: T },
  ): Promise<T> {
    for (;;) {
      const current = await this.readSession(id);
      if (current === null) throw missingSessionError(id, expectedRevision, this.backendName);
      const next = change(current);
      if ('done' in next) return next.done;
      try {
        return next.answer(await this.writeSession(next.write));
      } catch (error) {
        if (error instanceof SessionConflictError && expectedRevision === undefined) continue;
        throw error;
      }
    }
  }

  /** Appends messages by rewriting the document (backends that can append without rewriting override it). */
  protected async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
    key?: AppendKey,
  ): Promise<number> {
    return this.#modify<number>(id, expectedRevision, (current) => {
      // A retry is answered before the revision check: the first attempt moved the revision on.
      const replayed = key === undefined ? null : replayedRevision(current.appendKeys ?? [], key, id, this.backendName);
      if (replayed !== null) return { done: replayed };
      assertRevision(id, expectedRevision, current.revision, this.backendName);
      const session = { ...current.session, messages: [...current.session.messages, ...messages] } as SessionData;
      const write = this.prepareWrite(session, current.revision);
      if (key !== undefined) write.appendKeys = withAppendKey(current.appendKeys ?? [], key, current.revision + 1);
      return { write, answer: (revision) => revision };
    });
  }

  /** Reads the document and slices it (whole-document backends read it all anyway). */
  protected async readMessages(id: string, window: ResolvedWindow): Promise<MessageSlice | null> {
    const current = await this.readSession(id);
    if (current === null) return null;
    const all = current.session.messages;
    const { from, to } = windowRange(window, all.length);
    return { messages: all.slice(from, to), total: all.length, from, revision: current.revision };
  }

  protected async truncateSession(
    id: string,
    keep: number,
    expectedRevision: number | undefined,
  ): Promise<{ revision: number; removed: number }> {
    return this.#modify<{ revision: number; removed: number }>(id, expectedRevision, (current) => {
      assertRevision(id, expectedRevision, current.revision, this.backendName);
      const total = current.session.messages.length;
      assertWithinHistory('keep', keep, total, id, this.backendName);
      if (keep === total) return { done: { revision: current.revision, removed: 0 } };
      const write = this.prepareWrite(truncatedDocument(current.session, keep), current.revision);
      return { write, answer: (revision) => ({ revision, removed: total - keep }) };
    });
  }

  protected async forkFrom(
    sourceId: string,
    newId: string,
    at: number | null,
    expectedRevision: number | undefined,
  ): Promise<number> {
    const source = await this.readSession(sourceId);
    if (source === null) throw missingSessionError(sourceId, expectedRevision, this.backendName);
    assertRevision(sourceId, expectedRevision, source.revision, this.backendName);
    const total = source.session.messages.length;
    assertWithinHistory('atMessage', at ?? total, total, sourceId, this.backendName);
    return this.writeSession(this.prepareSave(forkedDocument(source.session, newId, at ?? total), 0));
  }
}
