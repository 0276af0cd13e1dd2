/**
 * Idempotent appends: `appendMessages(id, messages, { idempotencyKey })` applied once however often it is retried.
 * A store keeps, beside the session (a column, a hash field, object metadata, a side file; never inside the
 * document), the last APPEND_KEY_WINDOW keys that appended to it, each with a digest of its messages and the
 * revision it produced, written in the same atomic step as the append. A retry with a remembered key answers that
 * revision and writes nothing; the same key with other messages is a caller's bug: InvalidArgumentError.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

/**
 * How many keys each session remembers: a retry must come before this many later keyed appends to the session.
 * 16 so that every backend can keep them atomically with the document (S3 keeps them in its 2 KB of metadata).
 */
export const APPEND_KEY_WINDOW = 16;
/** The longest key accepted, in characters. */
export const MAX_APPEND_KEY_LENGTH = 200;

/** One remembered keyed append, as stored: short hashes (72 bits) keep the window small. */
export interface AppendKeyRecord {
  /** Hash of the key. */
  k: string;
  /** Hash of the appended messages' JSON texts. */
  m: string;
  /** The revision the append produced. */
  r: number;
}

/** A keyed append on its way to the store. */
export interface AppendKey {
  /** Hash of the caller's key (what is stored). */
  key: string;
  /** Hash of the messages' JSON texts joined by commas. */
  messages: string;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}

/** Checks an `idempotencyKey` option; returns the stored form of the keyed append, or undefined for none. */
export function resolveAppendKey(opts: unknown, messagesText: string, backend: string): AppendKey | undefined {
  const key = (opts as { idempotencyKey?: unknown } | null | undefined)?.idempotencyKey;
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_APPEND_KEY_LENGTH)
    throw new InvalidArgumentError(
      'idempotencyKey',
      `expected a string of 1 to ${MAX_APPEND_KEY_LENGTH} characters (a UUID per logical append), got ${typeof key === 'string' ? `${key.length} characters` : String(key)}`,
      { backend },
    );
  return { key: shortHash(key), messages: shortHash(messagesText) };
}

/** Parses stored records; anything unreadable counts as none (the window is a retry aid, not data). */
export function decodeAppendKeys(text: string | null | undefined): AppendKeyRecord[] {
  if (text === null || text === undefined || text === '') return [];
  try {
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value)) return [];
    return value.filter(
      (r): r is AppendKeyRecord =>
        typeof r?.k === 'string' && typeof r?.m === 'string' && Number.isSafeInteger(r?.r) && r.r > 0,
    );
  } catch {
    return [];
  }
}

/** The stored form of a session's keyed-append records (what `decodeAppendKeys` reads back). */
export function encodeAppendKeys(records: readonly AppendKeyRecord[]): string {
  return JSON.stringify(records);
}

/**
 * The revision of an earlier append with this key (a retry: write nothing), or null (a new key). The same key with
 * other messages: InvalidArgumentError.
 */
export function replayedRevision(
  records: readonly AppendKeyRecord[],
  append: AppendKey,
  id: string,
  backend: string,
): number | null {
  const found = records.find((r) => r.k === append.key);
  if (found === undefined) return null;
  if (found.m !== append.messages) throw reusedKeyError(id, backend);
  return found.r;
}

/** The error for a key that a session remembers with other messages. */
export function reusedKeyError(id: string, backend: string): InvalidArgumentError {
  return new InvalidArgumentError(
    'idempotencyKey',
    `session "${id}" already took this key for other messages: use a new key for each logical append`,
    { backend, sessionId: id },
  );
}

/** The records after a keyed append produced `revision`: the newest last, at most APPEND_KEY_WINDOW. */
export function withAppendKey(
  records: readonly AppendKeyRecord[],
  append: AppendKey,
  revision: number,
): AppendKeyRecord[] {
  const next = [...records.filter((r) => r.k !== append.key), { k: append.key, m: append.messages, r: revision }];
  return next.slice(-APPEND_KEY_WINDOW);
}

/** For adapters that keep the records as text (a column, a hash field): `replayedRevision` over stored text. */
export function replayedAppend(stored: string | null | undefined, append: AppendKey, id: string, backend: string) {
  return replayedRevision(decodeAppendKeys(stored), append, id, backend);
}

/** For adapters that keep the records as text: the text to store after a keyed append produced `revision`. */
export function nextAppendKeys(stored: string | null | undefined, append: AppendKey, revision: number): string {
  return encodeAppendKeys(withAppendKey(decodeAppendKeys(stored), append, revision));
}
