/**
 * The base of split stores (sqlite, redis, postgres, and third-party ones of the same kind): a session is kept as
 * its head (the document without `messages`, with the summary fields beside it) plus message segments, one per write
 * that added messages, so an agent turn writes only its new messages and listing never reads a document.
 *
 * This class owns everything but the I/O: which stored messages a save leaves alone (compared by canonical value
 * with the history it remembers, else by the stored digest), the size check, the summaries, the text of an appended
 * segment, and the retry when the stored state changed under a write. An adapter implements five I/O steps:
 * `readState`, `readParts`, `commitWrite`, `commitAppend` and `deleteSession` (plus listing, ping and close), each
 * one atomic, and a write must be refused ('stale') unless the stored state is exactly the one it was planned over.
 */
import {
  AbstractSessionStore,
  type BaseStoreOptions,
  type PreparedSave,
  type StoredSession,
} from './abstract-store.js';
import { sameMessage } from './canonical.js';
import { parseSessionOver } from './codec.js';
import { assertNotSealed, firstSealedSegment, isSealed, type SealedPart } from './encryption.js';
import { SessionConflictError, SessionTooLargeError } from './errors.js';
import { assertValidSessionId } from './ids.js';
import { KnownHistories } from './known-history.js';
import { type HeadSummary, headSummary } from './listing.js';
import { assertRevision, missingSessionError } from './revisions.js';
import type { Message, SessionData } from './schema.js';
import {
  appendedSegmentBytes,
  checkHead,
  decodeSplitSession,
  digestSegment,
  documentBytesOf,
  headJsonOf,
  type PrefixCheck,
  parseSegments,
  planOverStoredText,
  planSegmentWrite,
  type SegmentPlan,
  type SegmentState,
  segmentText,
} from './segments.js';

export interface SegmentedStoreOptions extends BaseStoreOptions {
  /**
   * Characters of message text the store remembers of the sessions it last read or wrote (0: states only), so a
   * save of a session it knows compares messages by value instead of serializing and hashing the whole history.
   */
  historyCacheBytes?: number;
}

/** What `readState` returns: the guard state, and what a write checks before it is planned. */
export interface StoredState<S extends SegmentState> {
  /** The stored revision. */
  revision: number;
  /** UTF-8 bytes of the whole document as JSON. */
  bytes: number;
  /** The message log state (count, digest, and what the adapter keeps). */
  state: S;
  /**
   * The stored head and where it lives, when the adapter has it at hand: `appendMessages` checks it before adding
   * to a session this store has not read or written, so a damaged record is refused as it is by `load`.
   */
  head?: { json: string; record: string };
}

/** What `readParts` returns: one consistent snapshot of a session. */
export interface StoredParts<S extends SegmentState> {
  /** The stored revision. */
  revision: number;
  /** The message log state. */
  state: S;
  /** The document without `messages`, as JSON. */
  headJson: string;
  /** Every stored message's JSON text, in order, joined by commas ('' for none). */
  messagesText: string;
  /** Where the session lives (key, row), named in SessionCorruptError. */
  record: string;
  /** Where the messages live, when not in `record`. */
  messagesRecord?: string;
}

/** A save validated by `prepareSave`. */
export interface SegmentSave extends PreparedSave {
  /** The validated document. */
  session: SessionData;
  /** The document without `messages`, as JSON. */
  headJson: string;
  /** The caller's `expectedRevision`. */
  expectedRevision: number | undefined;
  /** How the messages compared with the history remembered for this session, if any. */
  check?: PrefixCheck;
}

/** One save to commit atomically. */
export interface SegmentWrite<S extends SegmentState> {
  /** The session id. */
  id: string;
  /** Refuse with `{ conflict }` (or 'stale') unless the stored revision equals this (0: must not exist). */
  expectedRevision: number | undefined;
  /**
   * The stored state this write was planned over; null: there is no session. Refuse with 'stale' unless the stored
   * count and digest (or the absence of the session) are exactly these.
   */
  base: S | null;
  /** true: replace every stored message by `text`; false: add `text` after them (nothing when `added` is 0). */
  rewrite: boolean;
  /** Index of the first message in `text` (0 for a rewrite) and how many it holds. */
  from: number;
  /** How many messages `text` holds. */
  added: number;
  /** The messages' JSON texts joined by commas: one new segment. */
  text: string;
  /** The message log after the write. */
  count: number;
  /** The digest of the message log after the write. */
  digest: string;
  /** The document without `messages`, as JSON. */
  headJson: string;
  /** The summary fields to keep beside the head (listing reads them, never the head). */
  summary: HeadSummary;
  /** UTF-8 bytes of the whole document as JSON (already checked against maxDocumentBytes). */
  documentBytes: number;
}

/** One append to commit atomically. */
export interface SegmentAppend<S extends SegmentState> {
  /** The session id. */
  id: string;
  /** As in SegmentWrite. */
  expectedRevision: number | undefined;
  /** Refuse with 'stale' unless the stored count and digest are these (or the session is gone). */
  base: S;
  /** The new messages' JSON texts joined by commas: one new segment of `added` messages. */
  text: string;
  /** How many messages `text` holds. */
  added: number;
  /** The message log after the append. */
  count: number;
  /** The digest of the message log after the append. */
  digest: string;
  /** Bytes the document grows by: add them to the stored size, and refuse ('stale') past `maxDocumentBytes`. */
  addedBytes: number;
  /** The largest document the store accepts, in bytes. */
  maxDocumentBytes: number;
}

/** What a commit did: the new revision and guard state, or why it wrote nothing. */
export type Committed<S extends SegmentState> =
  | { revision: number; state: S }
  /** The stored state is not the one planned over (or the session is gone): the store reads it and plans again. */
  | 'stale'
  /** The stored revision is not the expected one; `conflict` is the current revision (null: missing). */
  | { conflict: number | null };

export abstract class SegmentedSessionStore<
  S extends SegmentState = SegmentState,
> extends AbstractSessionStore<SegmentSave> {
  /** What this store last read or wrote of each session (states, and histories within the budget). */
  readonly #known: KnownHistories<S>;

  protected constructor(options: SegmentedStoreOptions = {}) {
    super(options);
    this.#known = new KnownHistories({ maxBytes: options.historyCacheBytes });
  }

  // ---- what an adapter implements: atomic I/O steps ---------------------------------------------------------------
  /** The stored revision, size and guard state of a session, or null. */
  protected abstract readState(id: string): Promise<StoredState<S> | null>;
  /** Everything stored of a session, from one snapshot, or null. */
  protected abstract readParts(id: string): Promise<StoredParts<S> | null>;
  /** One atomic step: guard on the revision and on `write.base`, then store the head and the new segment(s). */
  protected abstract commitWrite(write: SegmentWrite<S>): Promise<Committed<S>>;
  /** One atomic step: guard on `append.base` and the size limit, then add one segment of the new messages. */
  protected abstract commitAppend(append: SegmentAppend<S>): Promise<Committed<S>>;
  /** Removes the session's head and every segment; true when there was a session. */
  protected abstract deleteSession(id: string): Promise<boolean>;

  // ---- the machine -------------------------------------------------------------------------------------------------
  protected prepareSave(value: unknown, expectedRevision: number | undefined): SegmentSave {
    const input = value as { id?: unknown; messages?: unknown } | null;
    const known =
      typeof input?.id === 'string' && Array.isArray(input.messages)
        ? this.#known.prefix(input.id, input.messages[0])
        : null;
    const { session, unchanged } = parseSessionOver(value, known?.messages ?? [], this.backendName);
    assertValidSessionId(session.id, this.backendName);
    const save: SegmentSave = { id: session.id, session, headJson: headJsonOf(session), expectedRevision };
    if (known !== null) save.check = { state: known.state, unchanged, bytes: known.bytes };
    return save;
  }

  protected async writeSession(save: SegmentSave): Promise<number> {
    const { id, session, expectedRevision } = save;
    const messages = session.messages;
    const max = this.capabilities.maxDocumentBytes;
    // "Must not exist" needs no read: a commit over no state is refused where the session exists.
    let base: S | null | undefined = expectedRevision === 0 ? null : this.#known.state(id);
    for (;;) {
      if (base === undefined) {
        const stored = await this.readState(id);
        assertRevision(id, expectedRevision, stored?.revision ?? null, this.backendName);
        base = stored?.state ?? null;
      }
      let plan = planSegmentWrite(base, messages, save.check);
      if (plan.unverified && base !== null) plan = (await this.#planOverStored(id, base, messages)) ?? plan;
      const documentBytes = documentBytesOf(save.headJson, plan.messagesBytes);
      if (documentBytes > max) throw new SessionTooLargeError(id, documentBytes, max, { backend: this.backendName });
      const result = await this.commitWrite({
        id,
        expectedRevision,
        base,
        rewrite: plan.kind === 'rewrite',
        from: plan.from,
        added: messages.length - plan.from,
        text: this.#seal(plan.text, id, 'segment'),
        count: messages.length,
        digest: plan.digest,
        headJson: this.#seal(save.headJson, id, 'head'),
        summary: this.#sealName(headSummary(session), id),
        documentBytes,
      });
      if (result === 'stale') {
        this.#known.forget(id);
        base = undefined;
        continue;
      }
      if ('conflict' in result) throw this.#conflict(id, expectedRevision, result.conflict);
      this.#known.rememberWrite(id, base, result.state, plan, messages.length);
      return result.revision;
    }
  }

  /**
   * The stored digest did not match the new list's texts, and no history was remembered: read the stored messages
   * and compare values. Equal (they differ only in key order): append after them, else null (rewrite). Also null
   * when the session changed since `base` (the commit then reports it stale) or its messages do not parse.
   */
  async #planOverStored(id: string, base: S, messages: readonly Message[]): Promise<SegmentPlan | null> {
    const parts = await this.readParts(id);
    if (parts === null || parts.state.count !== base.count || parts.state.digest !== base.digest) return null;
    let stored: unknown[];
    let storedText: string;
    try {
      storedText = this.#openSegments(parts.messagesText, id, parts.messagesRecord ?? parts.record);
      stored = parseSegments(storedText, base.count, id, { backend: this.backendName, record: parts.record });
    } catch {
      return null; // damaged (or sealed with a key we lack): the rewrite replaces it
    }
    for (let i = 0; i < base.count; i++) if (!sameMessage(messages[i], stored[i] as Message)) return null;
    return planOverStoredText(base, messages, storedText);
  }

  protected async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
  ): Promise<number> {
    const text = segmentText(messages);
    const added = messages.length;
    const max = this.capabilities.maxDocumentBytes;
    let base = this.#known.state(id);
    for (;;) {
      if (base === undefined) {
        const stored = await this.readState(id);
        if (stored === null) throw missingSessionError(id, expectedRevision, this.backendName);
        if (stored.head !== undefined) {
          const record = stored.head.record;
          checkHead(this.#open(stored.head.json, id, 'head', record), id, {
            backend: this.backendName,
            sessionId: id,
            record,
          });
        }
        assertRevision(id, expectedRevision, stored.revision, this.backendName);
        const bytes = stored.bytes + appendedSegmentBytes(text, added, stored.state.count);
        if (bytes > max) throw new SessionTooLargeError(id, bytes, max, { backend: this.backendName });
        base = stored.state;
      }
      const result = await this.commitAppend({
        id,
        expectedRevision,
        base,
        text: this.#seal(text, id, 'segment'),
        added,
        count: base.count + added,
        digest: digestSegment(text, added, base.digest),
        addedBytes: appendedSegmentBytes(text, added, base.count),
        maxDocumentBytes: max,
      });
      if (result === 'stale') {
        this.#known.forget(id);
        base = undefined;
        continue;
      }
      if ('conflict' in result) throw this.#conflict(id, expectedRevision, result.conflict);
      this.#known.extend(id, base, result.state, text, added);
      return result.revision;
    }
  }

  // ---- encryption at rest: heads, segments and names are sealed one by one (an empty segment stays empty) -------
  #seal(text: string, id: string, part: SealedPart): string {
    return this.cipher === null || text === '' ? text : this.cipher.seal(text, id, part);
  }

  #sealName(summary: HeadSummary, id: string): HeadSummary {
    const name = this.listedName(summary.name, id);
    return name === summary.name ? summary : { ...summary, name };
  }

  #open(text: string, id: string, part: SealedPart, record: string): string {
    if (!isSealed(text)) return text;
    if (this.cipher === null) assertNotSealed(text, id, record, this.backendName);
    return this.cipher?.open(text, id, part, record) ?? text;
  }

  #openSegments(joined: string, id: string, record: string): string {
    if (this.cipher !== null) return this.cipher.openSegments(joined, id, record);
    const at = firstSealedSegment(joined);
    if (at >= 0) assertNotSealed(joined.slice(at), id, record, this.backendName);
    return joined;
  }

  #conflict(id: string, expected: number | undefined, current: number | null): SessionConflictError {
    return new SessionConflictError(id, expected as number, current, { backend: this.backendName });
  }

  /** Reads the head and every segment in one snapshot and parses the document once. */
  protected async readSession(id: string): Promise<StoredSession | null> {
    const parts = await this.readParts(id);
    if (parts === null) {
      this.#known.forget(id);
      return null;
    }
    const ctx = { backend: this.backendName, sessionId: id, record: parts.record };
    const messagesText = this.#openSegments(parts.messagesText, id, parts.messagesRecord ?? parts.record);
    const session = decodeSplitSession(
      {
        headJson: this.#open(parts.headJson, id, 'head', parts.record),
        messagesText,
        count: parts.state.count,
        messagesRecord: parts.messagesRecord,
      },
      id,
      ctx,
    );
    this.#known.remember(id, parts.state, messagesText);
    return { session, revision: parts.revision };
  }

  /** Deletes the head and every segment (`deleteSession`) and forgets the remembered history. */
  protected async removeSession(id: string): Promise<boolean> {
    this.#known.forget(id);
    try {
      return await this.deleteSession(id);
    } finally {
      this.#known.forget(id);
    }
  }

  protected override async hasSession(id: string): Promise<boolean> {
    return (await this.readState(id)) !== null;
  }
}
