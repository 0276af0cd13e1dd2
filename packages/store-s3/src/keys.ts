/**
 * The key layout under the store's prefix:
 *
 * ```
 * <prefix><encodeIdSegment(id)>.json            the document (ids up to 100 UTF-8 bytes)
 * <prefix>~~<sha256 hex of id>.json              the document of a longer id (the id is in its metadata)
 * <prefix>.index/<T>.<S>                        one empty marker per session, in listing order
 * <prefix>.children/<P>/<T>.<S>                 the same marker per parent, for listSessions({ parentId })
 * ```
 * `T` is `updated_at` inverted and zero-padded (newest first), `S` the id's UTF-8 in an order-preserving base 64
 * (so key order is `id` byte order), `P` a hash of the parent id. Every `/`-separated segment stays under 240 bytes:
 * MinIO refuses path segments over 255 bytes and file-backed servers (s3rver) add a suffix to each file name.
 */
import { createHash } from 'node:crypto';
import { documentName, hashedDocumentName, isValidSessionId, parseDocumentName } from '@agent-sessions/core/adapter';

/** Ids longer than this (UTF-8 bytes) get a hashed document name and a truncated index name. */
export const LONG_ID_BYTES = 100;
/** Bytes of a long id kept (sortable) in its index name; its hash follows. 102 bytes = 136 characters. */
const INDEX_ID_BYTES = 102;
const INDEX_DIR = '.index/';
const CHILDREN_DIR = '.children/';

// 64 characters in ascending ASCII order, all above '.', so that key order equals byte order of the encoded bytes
// and a shorter name followed by '.' or a file suffix still sorts before its extensions.
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~';
const DIGIT = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Base 64 whose string order is the byte order of the input (no padding; the last digit is zero-filled). */
export function sortableEncode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 63];
  return out;
}

/** Inverse of {@link sortableEncode}; null for text it cannot have produced. */
export function sortableDecode(text: string): Buffer | null {
  const out = Buffer.alloc(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of text) {
    const d = DIGIT.get(c);
    if (d === undefined) return null;
    acc = (acc << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 255;
    }
    acc &= (1 << bits) - 1;
  }
  return acc === 0 && n === out.length ? out : null;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The folder name of a parent's markers (also kept in the document's metadata). */
export function parentHash(parentId: string): string {
  return createHash('sha256').update(parentId, 'utf8').digest('base64url');
}

export function isLongId(id: string): boolean {
  return Buffer.byteLength(id, 'utf8') > LONG_ID_BYTES;
}

const MAX_TIME = BigInt(Number.MAX_SAFE_INTEGER);
const TIME_WIDTH = 17; // 2 * (2^53 - 1) has 17 digits

/** `updated_at` (any safe integer) as a fixed-width string that sorts newest first. */
export function invertTime(updatedAt: number): string {
  return (MAX_TIME - BigInt(updatedAt)).toString().padStart(TIME_WIDTH, '0');
}

function revertTime(text: string): number | null {
  if (!/^\d{17}$/.test(text)) return null;
  const value = MAX_TIME - BigInt(text);
  return value >= -MAX_TIME && value <= MAX_TIME ? Number(value) : null;
}

/** An index marker, parsed from its name. */
export interface IndexEntry {
  key: string;
  updatedAt: number;
  /** The id, or null for a long id (then `hash` locates its document). */
  id: string | null;
  hash: string | null;
  /** Markers with the same group are adjacent in key order but not necessarily in id order (long ids only). */
  group: string;
}

/** Document names: `<segment>.json` or `~~<hex>.json` (core's documentName), hashed past LONG_ID_BYTES. */
export type DocumentName = { kind: 'id'; id: string } | { kind: 'hashed'; hash: string };

export class KeyLayout {
  readonly #index: string;
  readonly #children: string;

  constructor(readonly prefix: string) {
    this.#index = `${prefix}${INDEX_DIR}`;
    this.#children = `${prefix}${CHILDREN_DIR}`;
  }

  documentKey(id: string): string {
    return this.prefix + documentName(id, isLongId(id));
  }

  documentKeyOfHash(hash: string): string {
    return this.prefix + hashedDocumentName(hash);
  }

  /** What a key directly under the prefix holds; null when it is not one of our documents. */
  parseDocumentKey(key: string): DocumentName | null {
    if (!key.startsWith(this.prefix)) return null;
    const name = key.slice(this.prefix.length);
    const parsed = parseDocumentName(name);
    if (parsed === null || parsed.kind === 'hashed') return parsed;
    return isLongId(parsed.id) ? null : parsed;
  }

  /** Where the markers of a listing live: every session, or the children of one parent. */
  indexPrefix(parentId: string | null): string {
    return parentId === null ? this.#index : this.#childrenOf(parentHash(parentId));
  }

  /** The marker keys of a session in one state (main index, plus its parent's, given by its hash). */
  indexKeys(id: string, updatedAt: number, parent: string | null): string[] {
    const name = indexEntryName(id, updatedAt);
    const keys = [this.#index + name];
    if (parent !== null) keys.push(this.#childrenOf(parent) + name);
    return keys;
  }

  #childrenOf(hash: string): string {
    return `${this.#children}${hash}/`;
  }

  /** The first key of a listing that starts after `position`: keys of the same group are re-read and filtered. */
  startAfter(base: string, position: { updated_at: number; id: string }): string {
    return base + groupOf(indexEntryName(position.id, position.updated_at));
  }

  parseIndexKey(base: string, key: string): IndexEntry | null {
    if (!key.startsWith(base)) return null;
    const name = key.slice(base.length);
    const match = /^(\d{17})\.([0-9A-Za-z_~]+)(?:\.([0-9a-f]{64}))?$/.exec(name);
    if (!match) return null;
    const updatedAt = revertTime(match[1] as string);
    if (updatedAt === null) return null;
    const hash = match[3] ?? null;
    if (hash !== null) return { key, updatedAt, id: null, hash, group: `${match[1]}.${match[2]}` };
    const bytes = sortableDecode(match[2] as string);
    if (bytes === null || sortableEncode(bytes) !== match[2]) return null;
    const id = bytes.toString('utf8');
    if (!Buffer.from(id, 'utf8').equals(bytes) || !isValidSessionId(id) || isLongId(id)) return null;
    return { key, updatedAt, id, hash: null, group: name };
  }
}

function indexEntryName(id: string, updatedAt: number): string {
  const bytes = Buffer.from(id, 'utf8');
  const time = invertTime(updatedAt);
  if (bytes.length <= LONG_ID_BYTES) return `${time}.${sortableEncode(bytes)}`;
  return `${time}.${sortableEncode(bytes.subarray(0, INDEX_ID_BYTES))}.${sha256Hex(id)}`;
}

function groupOf(name: string): string {
  const dot = name.indexOf('.', 18);
  return dot === -1 ? name : name.slice(0, dot);
}
