/**
 * Shared rules for backends that keep messages apart from the rest of the document (sqlite, redis, postgres), so an
 * agent turn writes only its new messages. Whether the stored history is unchanged is decided by content, through a
 * digest chain over each message's JSON, never by object identity: an edit in place is seen like any other edit.
 */
import { createHash } from 'node:crypto';
import type { SessionWrite } from './base-store.js';
import { type DecodeContext, decodeSessionValue, parseJsonText } from './codec.js';
import { SessionCorruptError, SessionTooLargeError } from './errors.js';
import type { Message, SessionData } from './schema.js';

/** The digest of an empty history. */
export const EMPTY_MESSAGES_DIGEST = '';

// A digest is `<b1>.<b2>…<bn>:<hash>`: the cumulative message counts at the end of each segment (one segment per
// write that added messages) and a hash chained over the segments. Hashing one stream per segment, not one per
// message, keeps the check of a long history cheap; every save compacts the digest back to at most two segments.
// A segment is hashed as its message texts joined by commas (the JSON array body a split backend stores), so the
// per-message and per-segment functions below give the same digests.
function segmentHash(previous: string, end: number, messageJsons: readonly string[], from: number, to: number): string {
  const hash = createHash('sha256').update(previous).update(`\n${end}\n`);
  for (let i = from; i < to; i++) {
    if (i > from) hash.update(',');
    hash.update(messageJsons[i] as string);
  }
  return hash.digest('base64url');
}

/** The same hash over a segment already joined: `text` is the segment's message JSON texts joined by commas. */
function segmentTextHash(previous: string, end: number, text: string): string {
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

/**
 * The digest after appending `messageJsons` to a history whose digest is `from` (default: an empty history).
 * Costs one hash over the new messages; the stored history is not needed.
 */
export function digestMessages(messageJsons: readonly string[], from: string = EMPTY_MESSAGES_DIGEST): string {
  if (messageJsons.length === 0) return from;
  const parsed = parseDigest(from) ?? { bounds: [], hash: `invalid:${from}` };
  const start = parsed.bounds.at(-1) ?? 0;
  const end = start + messageJsons.length;
  return formatDigest([...parsed.bounds, end], segmentHash(parsed.hash, end, messageJsons, 0, messageJsons.length));
}

/** What a backend records beside the stored messages. */
export interface MessageLogState {
  count: number;
  digest: string;
}

/** A document split into its head (everything but `messages`) and one JSON string per message. */
export interface SplitSession {
  /** The document without `messages`, as JSON. */
  headJson: string;
  messageJsons: string[];
}

/** Splits a canonical document for storage as head + message rows. */
export function splitSession(session: SessionData): SplitSession {
  const { messages, ...head } = session;
  return { headJson: JSON.stringify(head), messageJsons: messages.map((m) => JSON.stringify(m)) };
}

// `,"messages":[` and `]` around the message texts, which JSON.stringify joins with commas.
const MESSAGES_FRAME_BYTES = 14;

/** UTF-8 bytes of JSON.stringify(session), computed from its split form without building that string. */
export function splitDocumentBytes(split: SplitSession): number {
  let bytes =
    Buffer.byteLength(split.headJson, 'utf8') + MESSAGES_FRAME_BYTES + Math.max(0, split.messageJsons.length - 1);
  for (const json of split.messageJsons) bytes += Buffer.byteLength(json, 'utf8');
  return bytes;
}

/** UTF-8 bytes that appending these message texts adds to a stored document of `count` messages. */
export function appendedBytes(messageJsons: readonly string[], count: number): number {
  let bytes = count === 0 ? Math.max(0, messageJsons.length - 1) : messageJsons.length;
  for (const json of messageJsons) bytes += Buffer.byteLength(json, 'utf8');
  return bytes;
}

/** UTF-8 bytes that appending one segment (`added` messages, their texts joined by commas) adds to `count` stored. */
export function appendedSegmentBytes(text: string, added: number, count: number): number {
  return added === 0 ? 0 : Buffer.byteLength(text, 'utf8') + (count > 0 ? 1 : 0);
}

/** A write for backends that store head and messages apart: split once, measured once. */
export interface SplitWrite extends SessionWrite {
  split: SplitSession;
  /** UTF-8 bytes of the whole document as JSON. */
  bytes: number;
}

/**
 * What such a backend's `prepareWrite` returns: the document split once (no whole-document JSON is built), with the
 * size check against `maxDocumentBytes` done before anything is written.
 */
export function prepareSplitWrite(
  session: SessionData,
  expectedRevision: number | undefined,
  maxDocumentBytes: number,
  backend: string,
): SplitWrite {
  const split = splitSession(session);
  const bytes = splitDocumentBytes(split);
  if (bytes > maxDocumentBytes) throw new SessionTooLargeError(session.id, bytes, maxDocumentBytes, { backend });
  return { id: session.id, session, json: '', expectedRevision, split, bytes };
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

export type MessageWritePlan =
  /** The stored messages are a prefix of the new list: write only `messageJsons.slice(from)`. */
  | { kind: 'append'; from: number; digest: string }
  /** Anything else (compaction, truncation, an edit): replace every stored message. */
  | { kind: 'rewrite'; digest: string };

/**
 * Decides how to store `messageJsons` over what is stored (`stored` null: nothing). The digest returned is the one to
 * record for the new list. Cost: hashing the new list's JSON once (twice for the stored prefix when it spans several
 * segments, to compact them), and no read of the stored messages.
 */
export function planMessageWrite(stored: MessageLogState | null, messageJsons: readonly string[]): MessageWritePlan {
  const rewrite = (): MessageWritePlan => ({ kind: 'rewrite', digest: digestMessages(messageJsons) });
  if (stored === null || stored.count === 0) return { kind: 'append', from: 0, digest: digestMessages(messageJsons) };
  const parsed = parseDigest(stored.digest);
  if (stored.count > messageJsons.length || parsed === null || parsed.bounds.at(-1) !== stored.count) return rewrite();
  // Recompute the stored chain over the new list's prefix: equal iff that prefix is unchanged.
  let hash = '';
  let start = 0;
  for (const end of parsed.bounds) {
    hash = segmentHash(hash, end, messageJsons, start, end);
    start = end;
  }
  if (hash !== parsed.hash) return rewrite();
  const prefix =
    parsed.bounds.length === 1
      ? stored.digest
      : formatDigest([stored.count], segmentHash('', stored.count, messageJsons, 0, stored.count));
  return { kind: 'append', from: stored.count, digest: digestMessages(messageJsons.slice(stored.count), prefix) };
}

/** The JSON array body of `messages[from…to)`: their JSON texts joined by commas ('' when the range is empty). */
function segmentText(messages: readonly Message[], from: number, to: number): string {
  if (to <= from) return '';
  return JSON.stringify(from === 0 && to === messages.length ? messages : messages.slice(from, to)).slice(1, -1);
}

/**
 * What a save learned by comparing its messages with the stored history this store remembered (KnownHistories):
 * valid only while the stored state is still `state`.
 */
export interface PrefixCheck {
  state: MessageLogState;
  /** How many leading messages of the new list equal the remembered ones. */
  unchanged: number;
  /** UTF-8 bytes of the remembered messages' JSON texts joined by commas. */
  bytes: number;
}

/**
 * Appends verified by a PrefixCheck add one segment to the digest each; past this many the next save verifies by
 * hashing, which compacts the digest again, so the digest stays short and a save hashes the history at most once
 * every this many turns.
 */
export const MAX_DIGEST_SEGMENTS = 64;

export interface SegmentPlan {
  kind: 'append' | 'rewrite';
  /** Index of the first message to write: the stored count for `append`, 0 for `rewrite`. */
  from: number;
  /** The digest to record for the new list. */
  digest: string;
  /** What to store: `messages[from…]` as JSON texts joined by commas ('' when there is nothing to add). */
  text: string;
  /** UTF-8 bytes of all the messages' JSON texts joined by commas (for the document's size). */
  messagesBytes: number;
  /** For an append verified by hashing: the stored messages' texts, serialized on the way (see KnownHistories). */
  storedText?: string;
}

/**
 * planMessageWrite for backends that store segments (comma-joined message texts): each stored segment of the new
 * list is serialized once with one JSON.stringify, hashed, and reused as the text to write. Same digests as
 * planMessageWrite/digestMessages.
 */
export function planSegmentWrite(
  stored: MessageLogState | null,
  messages: readonly Message[],
  check?: PrefixCheck,
): SegmentPlan {
  const n = messages.length;
  /** Everything as one segment; `known` are texts of the first segments already serialized (no second stringify). */
  const single = (kind: SegmentPlan['kind'], known: string[] = [], knownEnd = 0): SegmentPlan => {
    const text = [...known, segmentText(messages, knownEnd, n)].filter((t) => t !== '').join(',');
    const digest = n === 0 ? EMPTY_MESSAGES_DIGEST : formatDigest([n], segmentTextHash('', n, text));
    return { kind, from: 0, digest, text, messagesBytes: Buffer.byteLength(text, 'utf8') };
  };
  if (stored === null || stored.count === 0) return single('append');
  const parsed = parseDigest(stored.digest);
  if (stored.count > n || parsed === null || parsed.bounds.at(-1) !== stored.count) return single('rewrite');
  if (check !== undefined && check.state.count === stored.count && check.state.digest === stored.digest) {
    // The stored messages are the remembered ones, which the caller's messages were compared with value by value.
    if (check.unchanged < stored.count) return single('rewrite');
    if (parsed.bounds.length < MAX_DIGEST_SEGMENTS) {
      const tail = segmentText(messages, stored.count, n);
      if (tail === '') return { kind: 'append', from: n, digest: stored.digest, text: '', messagesBytes: check.bytes };
      return {
        kind: 'append',
        from: stored.count,
        digest: formatDigest([...parsed.bounds, n], segmentTextHash(parsed.hash, n, tail)),
        text: tail,
        messagesBytes: check.bytes + 1 + Buffer.byteLength(tail, 'utf8'),
      };
    }
  }
  // Recompute the stored chain over the new list's prefix: equal iff that prefix is unchanged.
  const texts: string[] = [];
  let hash = '';
  let start = 0;
  for (const end of parsed.bounds) {
    const text = segmentText(messages, start, end);
    texts.push(text);
    hash = segmentTextHash(hash, end, text);
    start = end;
  }
  if (hash !== parsed.hash) return single('rewrite', texts, stored.count);
  // Compact the verified prefix to one segment, then add the tail as a second one.
  const prefixText = texts.join(',');
  const prefixHash = texts.length === 1 ? parsed.hash : segmentTextHash('', stored.count, prefixText);
  const tail = segmentText(messages, stored.count, n);
  const digest =
    tail === ''
      ? formatDigest([stored.count], prefixHash)
      : formatDigest([stored.count, n], segmentTextHash(prefixHash, n, tail));
  const messagesBytes = Buffer.byteLength(prefixText, 'utf8') + (tail === '' ? 0 : 1 + Buffer.byteLength(tail, 'utf8'));
  return { kind: 'append', from: stored.count, digest, text: tail, messagesBytes, storedText: prefixText };
}

/** The digest after appending `messages` (stored as one segment `text`) to a history whose digest is `from`. */
export function digestSegment(text: string, count: number, from: string = EMPTY_MESSAGES_DIGEST): string {
  if (count === 0) return from;
  const parsed = parseDigest(from) ?? { bounds: [], hash: `invalid:${from}` };
  const end = (parsed.bounds.at(-1) ?? 0) + count;
  return formatDigest([...parsed.bounds, end], segmentTextHash(parsed.hash, end, text));
}

/** The document without `messages`, as JSON: what split backends store beside the message segments. */
export function headJsonOf(session: SessionData): string {
  const { messages: _messages, ...head } = session;
  return JSON.stringify(head);
}

/** UTF-8 bytes of the whole document as JSON, from its head JSON and its messages' bytes (see SegmentPlan). */
export function documentBytesOf(headJson: string, messagesBytes: number): number {
  return Buffer.byteLength(headJson, 'utf8') + MESSAGES_FRAME_BYTES + messagesBytes;
}

/**
 * Decodes a document that a split backend stored as its head JSON and its messages' JSON texts joined by commas
 * (`count` of them): one JSON.parse for the whole history, then the one schema check. Anything that does not fit
 * (a head that is not an object, a count that does not match, another session's id) is SessionCorruptError naming
 * `ctx.record`.
 */
export function decodeSplitSession(
  parts: {
    headJson: string;
    messagesText: string;
    count: number;
    /** Where the message texts live, when not in `ctx.record` (named if they do not parse). */
    messagesRecord?: string;
  },
  id: string,
  ctx: DecodeContext,
): SessionData {
  const corrupt = (reason: string) =>
    new SessionCorruptError(ctx.record, reason, { backend: ctx.backend, sessionId: id });
  const head = parseJsonText(parts.headJson, ctx);
  if (typeof head !== 'object' || head === null || Array.isArray(head)) throw corrupt('its head is not a JSON object');
  const messages = parseJsonText(`[${parts.messagesText}]`, { ...ctx, record: parts.messagesRecord ?? ctx.record });
  if (!Array.isArray(messages) || messages.length !== parts.count)
    throw corrupt(
      `it records ${parts.count} messages but ${Array.isArray(messages) ? messages.length : 'no list'} are stored`,
    );
  const session = decodeSessionValue(joinSession(head as Record<string, unknown>, messages as Message[]), ctx);
  if (session.id !== id) throw corrupt(`it holds the session "${session.id}"`);
  return session;
}
