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
import {
  assertWithinHistory,
  forkedHead,
  type MessageSlice,
  type ResolvedWindow,
  touchedAt,
  windowRange,
} from './history.js';
import type { AppendKey } from './idempotency.js';
import { assertValidSessionId } from './ids.js';
import { KnownHistories } from './known-history.js';
import { type HeadSummary, headSummary } from './listing.js';
import { assertRevision, missingSessionError } from './revisions.js';
import type { Message, SessionData } from './schema.js';
import { headParts, planTruncate, type StoredSegment, sliceSegments } from './segment-history.js';
import {
  appendedSegmentBytes,
  compactDigest,
  decodeHead,
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

/** What `readSegments` returns: one consistent snapshot of a session's head and of the segments a window needs. */
export interface StoredSegments<S extends SegmentState> {
  revision: number;
  state: S;
  headJson: string;
  /** Where the session lives, named in SessionCorruptError. */
  record: string;
  /**
   * The stored segments that hold messages of the window (`windowRange(window, state.count)`), in order: from the
   * one holding its first message to the one holding its last (none for an empty window).
   */
  segments: StoredSegment[];
}

/** One truncate to commit atomically. */
export interface SegmentTruncate<S extends SegmentState> {
  id: string;
  /** Refuse with `{ conflict }` unless the stored revision equals this. */
  expectedRevision: number;
  /** Refuse with 'stale' unless the stored count and digest are these. */
  base: S;
  /**
   * The segment (by the `ref` your `readSegments` gave it) that now ends the history: store `count` and `text` in
   * it. Remove every segment after it; null: remove every segment.
   */
  cut: { ref: number; count: number; text: string } | null;
  /** The message log after the truncate. */
  count: number;
  digest: string;
  headJson: string;
  summary: HeadSummary;
  documentBytes: number;
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
  /**
   * A keyed append: before any other check, look it up in the session's stored records (`replayedAppend`) and
   * answer `{ replayed }` when found; else store the records `nextAppendKeys` gives, in the same atomic step.
   */
  key?: AppendKey;
}

/** What a commit did: the new revision and guard state, or why it wrote nothing. */
export type Committed<S extends SegmentState> =
  | { revision: number; state: S }
  /** The stored state is not the one planned over (or the session is gone): the store reads it and plans again. */
  | 'stale'
  /** The stored revision is not the expected one; `conflict` is the current revision (null: missing). */
  | { conflict: number | null }
  /** A keyed append the session remembers: nothing was written; this is the revision it produced. */
  | { replayed: number };

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

  /**
   * The head and the segments a window needs, from one snapshot, or null. This default reads everything; override it
   * to read only the segments that hold the window (so a slice costs the same however long the history is).
   */
  protected async readSegments(id: string, _window: ResolvedWindow): Promise<StoredSegments<S> | null> {
    const parts = await this.readParts(id);
    if (parts === null) return null;
    const { revision, state, headJson, record } = parts;
    const segments = state.count === 0 ? [] : [{ start: 0, count: state.count, text: parts.messagesText, ref: 0 }];
    return { revision, state, headJson, record, segments };
  }

  /**
   * Commits a truncate atomically. This default rewrites the kept messages as one segment; override it to rewrite
   * only `t.cut` and remove the segments after it.
   */
  protected async commitTruncate(t: SegmentTruncate<S>, keptText: string): Promise<Committed<S>> {
    return this.commitWrite({
      id: t.id,
      expectedRevision: t.expectedRevision,
      base: t.base,
      rewrite: true,
      from: 0,
      added: t.count,
      text: keptText,
      count: t.count,
      digest: t.digest,
      headJson: t.headJson,
      summary: t.summary,
      documentBytes: t.documentBytes,
    });
  }

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
      if ('replayed' in result) throw new Error('a save is never a replay');
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
    key?: AppendKey,
  ): Promise<number> {
    const text = segmentText(messages);
    const added = messages.length;
    const max = this.capabilities.maxDocumentBytes;
    let base = this.#known.state(id);
    // A keyed append leaves the revision and size checks to its first commit, which answers a retry before any
    // check; a commit that found the session changed ('stale') has also found the key new, so the checks apply.
    let lenient = key !== undefined;
    for (;;) {
      if (base === undefined) {
        const stored = await this.readState(id);
        if (stored === null) throw missingSessionError(id, expectedRevision, this.backendName);
        if (stored.head !== undefined) {
          const record = stored.head.record;
          decodeHead(this.#open(stored.head.json, id, 'head', record), id, {
            backend: this.backendName,
            sessionId: id,
            record,
          });
        }
        if (!lenient) {
          assertRevision(id, expectedRevision, stored.revision, this.backendName);
          const bytes = stored.bytes + appendedSegmentBytes(text, added, stored.state.count);
          if (bytes > max) throw new SessionTooLargeError(id, bytes, max, { backend: this.backendName });
        }
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
        ...(key === undefined ? {} : { key }),
      });
      if (result === 'stale') {
        this.#known.forget(id);
        base = undefined;
        lenient = false;
        continue;
      }
      if ('replayed' in result) return result.replayed;
      if ('conflict' in result) throw this.#conflict(id, expectedRevision, result.conflict);
      this.#known.extend(id, base, result.state, text, added);
      return result.revision;
    }
  }

  // ---- encryption at rest: heads, segments and names are sealed one by one (an empty segment stays empty) -------
  #seal(text: string, id: string, part: SealedPart): string {
    return this.cipher === null || text === '' ? text : this.cipher.seal(text, id, part);
  }

  #sealParts<P extends { headJson: string; summary: HeadSummary }>(parts: P, id: string): P {
    if (this.cipher === null) return parts;
    return { ...parts, headJson: this.#seal(parts.headJson, id, 'head'), summary: this.#sealName(parts.summary, id) };
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

  #ctx(id: string, record: string) {
    return { backend: this.backendName, sessionId: id, record };
  }

  /** `readSegments` with the head and each segment opened (see encryption): what the history operations parse. */
  async #readOpenSegments(id: string, window: ResolvedWindow): Promise<StoredSegments<S> | null> {
    const stored = await this.readSegments(id, window);
    if (stored === null || this.cipher === null) return stored;
    return {
      ...stored,
      headJson: this.#open(stored.headJson, id, 'head', stored.record),
      segments: stored.segments.map((segment) => ({
        ...segment,
        text: this.#openSegments(segment.text, id, stored.record),
      })),
    };
  }

  protected async readMessages(id: string, window: ResolvedWindow): Promise<MessageSlice | null> {
    const stored = await this.#readOpenSegments(id, window);
    if (stored === null) return null;
    const ctx = this.#ctx(id, stored.record);
    const range = windowRange(window, stored.state.count);
    const head = decodeHead(stored.headJson, id, ctx);
    const messages = sliceSegments(head, stored.segments, range, ctx);
    return { messages, total: stored.state.count, from: range.from, revision: stored.revision };
  }

  protected async truncateSession(
    id: string,
    keep: number,
    expectedRevision: number | undefined,
  ): Promise<{ revision: number; removed: number }> {
    for (;;) {
      const stored = await this.#readOpenSegments(id, { from: 0, to: keep });
      if (stored === null) throw missingSessionError(id, expectedRevision, this.backendName);
      assertRevision(id, expectedRevision, stored.revision, this.backendName);
      const total = stored.state.count;
      assertWithinHistory('keep', keep, total, id, this.backendName);
      if (keep === total) return { revision: stored.revision, removed: 0 };
      const ctx = this.#ctx(id, stored.record);
      const head = decodeHead(stored.headJson, id, ctx);
      const plan = planTruncate(stored.segments, keep, id, ctx);
      const digest = compactDigest(plan.keptText, keep);
      const parts = headParts({ ...head, updated_at: touchedAt(head.updated_at) }, plan.keptText);
      const truncate: SegmentTruncate<S> = {
        id,
        expectedRevision: expectedRevision ?? stored.revision,
        base: stored.state,
        cut: plan.cut && { ...plan.cut, text: this.#seal(plan.cut.text, id, 'segment') },
        count: keep,
        digest,
        ...this.#sealParts(parts, id),
      };
      const result = await this.commitTruncate(truncate, this.#seal(plan.keptText, id, 'segment'));
      this.#known.forget(id);
      if (result === 'stale' || ('conflict' in result && expectedRevision === undefined)) continue;
      if ('replayed' in result) throw new Error('a truncate is never a replay');
      if ('conflict' in result) throw this.#conflict(id, expectedRevision, result.conflict);
      this.#known.remember(id, result.state, plan.keptText);
      return { revision: result.revision, removed: total - keep };
    }
  }

  protected async forkFrom(
    sourceId: string,
    newId: string,
    at: number | null,
    expectedRevision: number | undefined,
  ): Promise<number> {
    const stored = await this.#readOpenSegments(sourceId, at === null ? { from: 0, to: null } : { from: 0, to: at });
    if (stored === null) throw missingSessionError(sourceId, expectedRevision, this.backendName);
    assertRevision(sourceId, expectedRevision, stored.revision, this.backendName);
    const count = at ?? stored.state.count;
    assertWithinHistory('atMessage', count, stored.state.count, sourceId, this.backendName);
    const ctx = this.#ctx(sourceId, stored.record);
    const { keptText } = planTruncate(stored.segments, count, sourceId, ctx);
    const head = forkedHead(decodeHead(stored.headJson, sourceId, ctx), newId, sourceId);
    const parts = headParts(head, keptText);
    const max = this.capabilities.maxDocumentBytes;
    if (parts.documentBytes > max)
      throw new SessionTooLargeError(newId, parts.documentBytes, max, { backend: this.backendName });
    const digest = compactDigest(keptText, count);
    const result = await this.commitWrite({
      id: newId,
      expectedRevision: 0,
      base: null,
      rewrite: false,
      from: 0,
      added: count,
      // Sealed again under the new id: a segment is bound to its session, so encrypted ones are never shared.
      text: this.#seal(keptText, newId, 'segment'),
      count,
      digest,
      ...this.#sealParts(parts, newId),
    });
    if (result === 'stale') throw this.#conflict(newId, 0, (await this.readState(newId))?.revision ?? null);
    if ('replayed' in result) throw new Error('a fork is never a replay');
    if ('conflict' in result) throw this.#conflict(newId, 0, result.conflict);
    this.#known.remember(newId, result.state, keptText);
    return result.revision;
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
