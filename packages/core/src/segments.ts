/**
 * The rules of split storage: a session stored as its head (the document without `messages`) plus message segments,
 * one per write that added messages, each holding those messages' JSON texts joined by commas. Whether the stored
 * history is unchanged is decided by content, through a digest chain over the segments' texts, never by object
 * identity. SegmentedSessionStore applies these rules; an adapter only stores what they produce.
 */
import { createHash } from 'node:crypto';
import { type DecodeContext, decodeSessionValue, parseJsonText } from './codec.js';
import { SessionCorruptError } from './errors.js';
import type { Message, SessionData } from './schema.js';
import { mayHoldLoneSurrogate } from './text.js';

/** What a split backend records beside the stored messages, and what every write is guarded by. */
export interface SegmentState {
  /** Messages stored. */
  count: number;
  /** Digest chain of their texts (see below); '' for none. */
  digest: string;
}

/** The digest of an empty history. */
export const EMPTY_MESSAGES_DIGEST = '';

// A digest is `<b1>.<b2>…<bn>:<hash>`: the cumulative message counts at the end of each segment and a SHA-256 chained
// over the segments (hash_i = H(hash_{i-1} "\n" b_i "\n" text_i)). Hashing one stream per segment, not one per
// message, keeps the check of a long history cheap; a save that verifies by hashing compacts the digest back to at
// most two segments. SHA-256 rather than a faster non-cryptographic hash: Node's is native and costs about 0.1 ms per
// 100 KB here, less than serializing the same text, and a collision (another history taken as this one) is out of reach.
function segmentHash(previous: string, end: number, text: string): string {
  return createHash('sha256').update(previous).update(`\n${end}\n`).update(text).digest('base64url');
}

interface ParsedDigest {
  bounds: number[];
  hash: string;
}

function parseDigest(digest: string): ParsedDigest | null {
  if (digest === EMPTY_MESSAGES_DIGEST) return { bounds: [], hash: '' };
  const colon = digest.indexOf(':');
  if (colon < 1) return null;
  const bounds = digest.slice(0, colon).split('.').map(Number);
  for (let i = 0; i < bounds.length; i++)
    if (!Number.isSafeInteger(bounds[i]) || (bounds[i] as number) <= (i === 0 ? 0 : (bounds[i - 1] as number)))
      return null;
  return { bounds, hash: digest.slice(colon + 1) };
}

function formatDigest(bounds: readonly number[], hash: string): string {
  return bounds.length === 0 ? EMPTY_MESSAGES_DIGEST : `${bounds.join('.')}:${hash}`;
}

/** The digest after appending one segment (`count` messages whose texts joined by commas are `text`) to `from`. */
export function digestSegment(text: string, count: number, from: string = EMPTY_MESSAGES_DIGEST): string {
  if (count === 0) return from;
  const parsed = parseDigest(from) ?? { bounds: [], hash: `invalid:${from}` };
  const end = (parsed.bounds.at(-1) ?? 0) + count;
  return formatDigest([...parsed.bounds, end], segmentHash(parsed.hash, end, text));
}

/** The digest of `count` messages whose texts joined by commas are `text`, as one (compacted) segment. */
export function compactDigest(text: string, count: number): string {
  return count === 0 ? EMPTY_MESSAGES_DIGEST : formatDigest([count], segmentHash('', count, text));
}

/** The JSON texts of `messages[from…to)` joined by commas ('' when the range is empty): what a segment holds. */
export function segmentText(messages: readonly Message[], from = 0, to = messages.length): string {
  if (to <= from) return '';
  return JSON.stringify(from === 0 && to === messages.length ? messages : messages.slice(from, to)).slice(1, -1);
}

// `,"messages":[` and `]` around the message texts.
const MESSAGES_FRAME_BYTES = 14;

/** UTF-8 bytes of the whole document as JSON, from its head JSON and the bytes of its messages' joined texts. */
export function documentBytesOf(headJson: string, messagesBytes: number): number {
  return Buffer.byteLength(headJson, 'utf8') + MESSAGES_FRAME_BYTES + messagesBytes;
}

/** UTF-8 bytes one segment (`added` messages) adds to a stored document of `count` messages. */
export function appendedSegmentBytes(text: string, added: number, count: number): number {
  return added === 0 ? 0 : Buffer.byteLength(text, 'utf8') + (count > 0 ? 1 : 0);
}

/** The document without `messages`, as JSON: what split backends store beside the message segments. */
export function headJsonOf(session: SessionData): string {
  const { messages: _messages, ...head } = session;
  return JSON.stringify(head);
}

/**
 * What a save learned by comparing its messages with the stored history its store remembered, valid only while the
 * stored state is still `state`.
 */
export interface PrefixCheck {
  state: SegmentState;
  /** How many leading messages of the new list equal the remembered ones. */
  unchanged: number;
  /** UTF-8 bytes of the remembered messages' joined texts. */
  bytes: number;
}

/**
 * Appends verified by a PrefixCheck add one segment to the digest each; past this many the next save verifies by
 * hashing, which compacts the digest again, so it stays short and a save hashes the history at most once every this
 * many turns.
 */
export const MAX_DIGEST_SEGMENTS = 64;

export interface SegmentPlan {
  /** 'append': store `text` after the `from` stored messages (nothing when it is ''); 'rewrite': replace them all. */
  kind: 'append' | 'rewrite';
  /** Index of the first message in `text`: the stored count for an append, 0 for a rewrite. */
  from: number;
  /** The digest to record for the new list. */
  digest: string;
  /** `messages[from…]` as JSON texts joined by commas. */
  text: string;
  /** UTF-8 bytes of all the messages' joined texts (for the document's size). */
  messagesBytes: number;
  /** For an append verified over the stored text: that text (what a KnownHistories remembers). */
  storedText?: string;
  /**
   * A rewrite because the stored digest does not match the new list's texts, although the stored messages could be
   * a prefix of it by value (the texts may differ in key order inside free JSON, or in the key order of an older
   * writer): comparing with the stored values decides (`planOverStoredText`).
   */
  unverified?: boolean;
}

function rewrite(messages: readonly Message[], known: string[] = [], knownEnd = 0, unverified = false): SegmentPlan {
  const n = messages.length;
  const text = [...known, segmentText(messages, knownEnd, n)].filter((t) => t !== '').join(',');
  const digest = n === 0 ? EMPTY_MESSAGES_DIGEST : formatDigest([n], segmentHash('', n, text));
  const plan: SegmentPlan = { kind: 'rewrite', from: 0, digest, text, messagesBytes: Buffer.byteLength(text, 'utf8') };
  if (unverified) plan.unverified = true;
  return plan;
}

/** An append of `messages[count…]` over a verified prefix whose (compacted) hash is `prefixHash`. */
function appendAfter(messages: readonly Message[], count: number, prefixHash: string, prefixText: string): SegmentPlan {
  const n = messages.length;
  const tail = segmentText(messages, count, n);
  const digest =
    tail === '' ? formatDigest([count], prefixHash) : formatDigest([count, n], segmentHash(prefixHash, n, tail));
  const messagesBytes = Buffer.byteLength(prefixText, 'utf8') + (tail === '' ? 0 : 1 + Buffer.byteLength(tail, 'utf8'));
  return { kind: 'append', from: count, digest, text: tail, messagesBytes, storedText: prefixText };
}

/**
 * How to store `messages` (canonical) over what is stored (`stored` null: nothing). With a `check` made against this
 * very state, the verdict costs nothing (the values were compared); otherwise the stored chain is recomputed over the
 * new list's texts, serialized once and reused as the text to write.
 */
export function planSegmentWrite(
  stored: SegmentState | null,
  messages: readonly Message[],
  check?: PrefixCheck,
): SegmentPlan {
  const n = messages.length;
  if (stored === null || stored.count === 0) return { ...rewrite(messages), kind: 'append' };
  const parsed = parseDigest(stored.digest);
  if (stored.count > n || parsed === null || parsed.bounds.at(-1) !== stored.count) return rewrite(messages);
  if (check !== undefined && check.state.count === stored.count && check.state.digest === stored.digest) {
    if (check.unchanged < stored.count) return rewrite(messages);
    if (parsed.bounds.length < MAX_DIGEST_SEGMENTS) {
      const tail = segmentText(messages, stored.count, n);
      if (tail === '') return { kind: 'append', from: n, digest: stored.digest, text: '', messagesBytes: check.bytes };
      return {
        kind: 'append',
        from: stored.count,
        digest: formatDigest([...parsed.bounds, n], segmentHash(parsed.hash, n, tail)),
        text: tail,
        messagesBytes: check.bytes + 1 + Buffer.byteLength(tail, 'utf8'),
      };
    }
  }
  // Recompute the stored chain over the new list's prefix: equal iff that prefix's texts are the stored texts.
  const texts: string[] = [];
  let hash = '';
  let start = 0;
  for (const end of parsed.bounds) {
    const text = segmentText(messages, start, end);
    texts.push(text);
    hash = segmentHash(hash, end, text);
    start = end;
  }
  if (hash !== parsed.hash) return rewrite(messages, texts, stored.count, check === undefined);
  const prefixText = texts.join(',');
  return appendAfter(
    messages,
    stored.count,
    texts.length === 1 ? parsed.hash : segmentHash('', stored.count, prefixText),
    prefixText,
  );
}

/**
 * An append over stored messages that `storedText` holds and that equal `messages[0…stored.count)` by value (their
 * texts differ): the digest is rebuilt, compacted, from the stored text, which stays as it is.
 */
export function planOverStoredText(
  stored: SegmentState,
  messages: readonly Message[],
  storedText: string,
): SegmentPlan {
  return appendAfter(messages, stored.count, segmentHash('', stored.count, storedText), storedText);
}

/** Rebuilds the document from a decoded head and decoded messages, keeping the wire-format key order. */
export function joinSession(head: Record<string, unknown>, messages: Message[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const key of Object.keys(head)) {
    // `__proto__` is data here (JSON.parse made it an own key): define it, never assign it.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: head[key], enumerable: true, writable: true, configurable: true });
    else out[key] = head[key];
    // `messages` sits after `state` in the wire format.
    if (key === 'state') {
      out.messages = messages;
      placed = true;
    }
  }
  if (!placed) out.messages = messages;
  return out;
}

/** The stored messages' texts, parsed: one JSON.parse for the whole history. */
export function parseSegments(text: string, count: number, id: string, ctx: DecodeContext): unknown[] {
  const messages = parseJsonText(`[${text}]`, ctx);
  if (!Array.isArray(messages) || messages.length !== count)
    throw new SessionCorruptError(
      ctx.record,
      `it records ${count} messages but ${Array.isArray(messages) ? messages.length : 'no list'} are stored`,
      { backend: ctx.backend, sessionId: id },
    );
  return messages;
}

/**
 * Decodes a stored head alone (as cheaply as that can be: one small parse, integers beyond 2^53 refused, and the
 * schema of everything but the messages): SessionCorruptError naming `ctx.record` when it does not read, or holds
 * another session.
 */
export function decodeHead(headJson: string, id: string, ctx: DecodeContext): SessionData {
  const head = parseJsonText(headJson, ctx);
  if (typeof head !== 'object' || head === null || Array.isArray(head))
    throw new SessionCorruptError(ctx.record, 'its head is not a JSON object', { backend: ctx.backend, sessionId: id });
  const session = decodeSessionValue(joinSession(head as Record<string, unknown>, []), {
    ...ctx,
    escapes: mayHoldLoneSurrogate(headJson),
  });
  if (session.id !== id)
    throw new SessionCorruptError(ctx.record, `it holds the session "${session.id}"`, {
      backend: ctx.backend,
      sessionId: id,
    });
  return session;
}

/**
 * Decodes a document stored as its head JSON and its messages' texts joined by commas (`count` of them), with the
 * one schema check. Anything that does not fit (a head that is not an object, a count that does not match, another
 * session's id) is SessionCorruptError naming `ctx.record` (or `messagesRecord` for the messages).
 */
export function decodeSplitSession(
  parts: { headJson: string; messagesText: string; count: number; messagesRecord?: string },
  id: string,
  ctx: DecodeContext,
): SessionData {
  const corrupt = (reason: string) =>
    new SessionCorruptError(ctx.record, reason, { backend: ctx.backend, sessionId: id });
  const head = parseJsonText(parts.headJson, ctx);
  if (typeof head !== 'object' || head === null || Array.isArray(head)) throw corrupt('its head is not a JSON object');
  const messages = parseSegments(parts.messagesText, parts.count, id, {
    ...ctx,
    record: parts.messagesRecord ?? ctx.record,
  });
  const escapes = mayHoldLoneSurrogate(parts.headJson) || mayHoldLoneSurrogate(parts.messagesText);
  const session = decodeSessionValue(joinSession(head as Record<string, unknown>, messages as Message[]), {
    ...ctx,
    escapes,
  });
  if (session.id !== id) throw corrupt(`it holds the session "${session.id}"`);
  return session;
}
