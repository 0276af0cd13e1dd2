/**
 * What a split store (sqlite, redis, postgres) last saw stored for each session: the message log's state (count and
 * digest) and, while the memory budget allows, a private copy of the stored messages. With the copy, the next save
 * tells which messages are unchanged by comparing values, so an agent turn costs one walk over the history instead of
 * serializing and hashing all of it, and skips validating the messages it already stored.
 *
 * Never trusted for correctness: every write stays conditional on the stored count and digest being exactly the
 * remembered ones (a write that finds anything else plans again from what is stored), and the copy is the stored
 * text parsed by us, never an object a caller holds, so an edit in place of a loaded message is still seen.
 * Bounded by entries and by bytes of message text; the least recently used entry goes first.
 */
import { sameMessage } from './canonical.js';
import type { Message } from './schema.js';
import type { SegmentPlan, SegmentState } from './segments.js';

/** The default budget of remembered message text per store: a few long conversations. */
export const DEFAULT_HISTORY_CACHE_BYTES = 64 * 1024 * 1024;
/** The default number of sessions whose state a store remembers (about 150 bytes each without messages). */
export const DEFAULT_KNOWN_SESSIONS = 1000;

/** A stored history, as a save compares against it. */
export interface KnownPrefix {
  /** The state the backend recorded for these messages. */
  readonly state: SegmentState;
  /** Private copies of the stored messages (JSON values). Never handed to callers. */
  readonly messages: readonly Message[];
  /** UTF-8 bytes of the stored messages' JSON texts joined by commas. */
  readonly bytes: number;
}

interface Entry<S extends SegmentState> {
  state: S;
  /** The stored messages as JSON texts joined by commas, until a save needs them parsed. */
  text: string | null;
  messages: Message[] | null;
  /** UTF-8 bytes of the joined texts (null: not measured yet). */
  bytes: number | null;
  /** What the entry counts against the budget: characters of message text. */
  size: number;
}

export interface KnownHistoriesOptions {
  /** Characters of message text remembered in all; 0 remembers states only. */
  maxBytes?: number;
  maxSessions?: number;
}

export class KnownHistories<S extends SegmentState = SegmentState> {
  readonly #entries = new Map<string, Entry<S>>();
  readonly #maxBytes: number;
  readonly #maxSessions: number;
  #size = 0;

  constructor(options: KnownHistoriesOptions = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_HISTORY_CACHE_BYTES;
    this.#maxSessions = options.maxSessions ?? DEFAULT_KNOWN_SESSIONS;
  }

  /** The remembered state, marking the session as recently used. */
  state(id: string): S | undefined {
    return this.#touch(id)?.state;
  }

  /**
   * Remembers what is stored after a read or a write: `text` is every stored message's JSON text joined by commas
   * (null when the caller does not have it: the state alone is remembered).
   */
  remember(id: string, state: S, text: string | null): void {
    this.forget(id);
    const size = text === null || text.length > this.#maxBytes ? 0 : text.length;
    this.#entries.set(id, { state, text: size > 0 || text === '' ? text : null, messages: null, bytes: null, size });
    this.#size += size;
    this.#evict();
  }

  /**
   * Remembers that `tailText` (`tailCount` messages) was appended to the history whose state was `before`. When
   * the remembered history is not that one, only the new state is kept.
   */
  extend(id: string, before: SegmentState, state: S, tailText: string, tailCount: number): void {
    const entry = this.#entries.get(id);
    if (entry === undefined || !sameState(entry.state, before) || (entry.text === null && entry.messages === null)) {
      this.remember(id, state, null);
      return;
    }
    entry.state = state;
    if (tailCount === 0) return;
    if (entry.bytes !== null) entry.bytes += Buffer.byteLength(tailText, 'utf8') + (before.count > 0 ? 1 : 0);
    if (entry.messages !== null) for (const m of JSON.parse(`[${tailText}]`) as Message[]) entry.messages.push(m);
    else entry.text = entry.text === '' ? tailText : `${entry.text},${tailText}`;
    entry.size += tailText.length + 1;
    this.#size += tailText.length + 1;
    this.#touch(id);
    this.#evict();
  }

  /** Remembers what a segment write stored: `before` is the stored state it was planned over (null: none). */
  rememberWrite(
    id: string,
    before: SegmentState | null,
    state: S,
    plan: Pick<SegmentPlan, 'kind' | 'from' | 'text' | 'storedText'>,
    count: number,
  ): void {
    if (plan.kind === 'rewrite' || plan.from === 0 || before === null) this.remember(id, state, plan.text);
    else if (plan.storedText !== undefined)
      this.remember(id, state, plan.text === '' ? plan.storedText : `${plan.storedText},${plan.text}`);
    else this.extend(id, before, state, plan.text, count - plan.from);
  }

  forget(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#size -= entry.size;
    this.#entries.delete(id);
  }

  /**
   * The remembered messages of a session a caller is saving, parsed on first use. `first` is the caller's first
   * message: when it differs from the stored one by value (a compaction, a new conversation), the history is not
   * parsed at all and the answer is an empty prefix, which makes the save a rewrite.
   */
  prefix(id: string, first: unknown): KnownPrefix | null {
    const entry = this.#touch(id);
    if (entry === undefined || (entry.text === null && entry.messages === null)) return null;
    if (entry.messages === null) {
      const text = entry.text as string;
      if (text !== '' && !startsWithMessage(text, first)) return { state: entry.state, messages: [], bytes: 0 };
      entry.messages = JSON.parse(`[${text}]`) as Message[];
      entry.bytes ??= Buffer.byteLength(text, 'utf8');
      entry.text = null;
    }
    entry.bytes ??= Buffer.byteLength(JSON.stringify(entry.messages), 'utf8') - 2;
    return { state: entry.state, messages: entry.messages, bytes: entry.bytes };
  }

  #touch(id: string): Entry<S> | undefined {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as recently used.
      this.#entries.delete(id);
      this.#entries.set(id, entry);
    }
    return entry;
  }

  #evict(): void {
    for (const [id, entry] of this.#entries) {
      if (this.#size <= this.#maxBytes && this.#entries.size <= this.#maxSessions) return;
      if (this.#entries.size > this.#maxSessions) this.forget(id);
      else if (entry.size > 0) {
        // Over the byte budget: drop the oldest histories, keep their (small) states.
        this.#size -= entry.size;
        entry.size = 0;
        entry.text = null;
        entry.messages = null;
        entry.bytes = null;
      }
    }
  }
}

function sameState(a: SegmentState, b: SegmentState): boolean {
  return a.count === b.count && a.digest === b.digest;
}

/**
 * Whether the first stored message equals `first` by value (see sameMessage): a cheap probe before parsing a whole
 * history, which reads only the first message's text.
 */
function startsWithMessage(text: string, first: unknown): boolean {
  const end = endOfFirstValue(text);
  if (end < 0) return false;
  let stored: Message;
  try {
    stored = JSON.parse(text.slice(0, end)) as Message;
  } catch {
    return false;
  }
  return sameMessage(first, stored);
}

/** Where the first JSON object or array of `text` ends (stored message texts, so well-formed), or -1. */
function endOfFirstValue(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: find its closing quote, one not preceded by an odd number of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return -1;
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
