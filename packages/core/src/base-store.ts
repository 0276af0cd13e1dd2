/**
 * The base of stores that keep each session as one record (memory, file, s3, and most third-party adapters): the
 * document is validated and encoded once and measured against `maxDocumentBytes` before the adapter writes it, so
 * an adapter's `store.ts` holds only its I/O.
 */
import { AbstractSessionStore, type PreparedSave } from './abstract-store.js';
import { decodeSession, encodeSession, parseSession } from './codec.js';
import { assertNotSealed, isSealed, type SessionCipher } from './encryption.js';
import { SessionConflictError, SessionCorruptError, SessionTooLargeError } from './errors.js';
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
      if (current === null) throw missingSessionError(id, expectedRevision, this.backendName);
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
}
