/**
 * The hot path of validation, and of telling which messages of a save are already stored. Messages are almost all
 * of a session's bytes, so they are not run through zod one by one: this file knows their canonical form and
 *
 * - `canonicalMessage` returns a message in canonical form without zod: the value itself when it already is, or a
 *   rebuilt copy when only the normalisations below are needed; null sends it to the zod schema (errors, anything
 *   unusual), which stays the single source of truth and of error messages;
 * - `sameMessage` tells whether a caller's message is, once normalised, equal to a stored canonical one, without
 *   normalising it: an application's own session object (nulls where the wire format omits keys, a missing
 *   default, keys in another order) compares equal to what the store holds.
 *
 * Normalisations (exactly MessageSchema's): `reasoning_content` null or undefined → absent; `tool_result.is_error`
 * absent or undefined → null; known keys in schema order, then unknown keys in their own order. A property test
 * checks both functions against MessageSchema.
 */
import { isPlainJson, isStoredJson, keyCount, MAX_JSON_DEPTH, sameJson } from './json.js';
import type { Message } from './schema.js';

type Obj = Record<string, unknown>;

/**
 * Where a message comes from, which decides what must be checked: `caller` (any JavaScript value), `stored` (out
 * of JSON.parse: plain JSON, so only the depth and ±Infinity from overflowing numbers), `stored-escaped` (out of
 * JSON.parse of text holding `\uD800`-`\uDFFF` escapes: strings may hold lone surrogates, so text is checked too).
 */
export type MessageSource = 'caller' | 'stored' | 'stored-escaped';

/** A struct of the message schema: its known keys in schema order and the one normalisation it may need. */
interface Struct {
  readonly keys: readonly string[];
  /** Left out when null or undefined. */
  readonly dropNull?: string;
  /** null when absent or undefined. */
  readonly fillNull?: string;
  /** Depth of the struct's own values in the document (the document is 1), for the nesting limit. */
  readonly valueDepth: number;
}

// Depths: document 1, messages 2, message 3, content 4, block 5, block values 6, tool_result parts 7.
const MESSAGE: Struct = {
  keys: ['role', 'content', 'reasoning_content'],
  dropNull: 'reasoning_content',
  valueDepth: 4,
};
const TEXT: Struct = { keys: ['type', 'text'], valueDepth: 6 };
const IMAGE: Struct = { keys: ['type', 'source'], valueDepth: 6 };
const TOOL_USE: Struct = { keys: ['type', 'id', 'name', 'input'], valueDepth: 6 };
const TOOL_RESULT: Struct = {
  keys: ['type', 'tool_use_id', 'content', 'is_error', 'trust', 'redaction_reviewed'],
  fillNull: 'is_error',
  valueDepth: 6,
};
/** `ToolResultTrustV1` (see ToolResultTrustSchema). */
const TRUST = new Set(['trusted', 'workspace_data', 'external']);
const BLOCKS: Readonly<Record<string, Struct>> = {
  text: TEXT,
  image: IMAGE,
  tool_use: TOOL_USE,
  tool_result: TOOL_RESULT,
};
// tool_result parts sit two levels deeper than blocks; image sources one level below their image.
const TEXT_PART: Struct = { keys: TEXT.keys, valueDepth: 8 };
const IMAGE_PART: Struct = { keys: IMAGE.keys, valueDepth: 8 };
const SOURCE_KEYS = ['type', 'media_type', 'data'];
const BLOCK_SOURCE: Struct = { keys: SOURCE_KEYS, valueDepth: 7 };
const PART_SOURCE: Struct = { keys: SOURCE_KEYS, valueDepth: 9 };

/** Levels left for a value at `depth` (the value itself counts as one). */
const remaining = (depth: number) => MAX_JSON_DEPTH - depth + 1;

function isRecord(v: unknown): v is Obj {
  // Arrays, class instances and null-prototype objects are not: the schema decides about those.
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** A string as the schema takes it: well-formed (serde_json refuses lone surrogates). */
function isText(v: unknown, source: MessageSource): v is string {
  return typeof v === 'string' && (source === 'stored' || v.isWellFormed());
}

/** Any JSON value (`tool_use.input`, an unknown key's value) as serde_json reads it, within the nesting limit. */
function isJsonValue(v: unknown, depth: number, source: MessageSource): boolean {
  if (v === undefined) return false;
  if (source === 'caller') return isPlainJson(v, remaining(depth));
  return isStoredJson(v, remaining(depth), source === 'stored-escaped');
}

// checkKeys flags.
const AS_IS = 0;
const REBUILD = 1;
const INVALID = 2;
const EXTRA = 4;

function isIndexKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** Whether the keys of `o` are canonical for `s` (known keys' values are checked by the caller): flags above. */
function checkKeys(o: Obj, s: Struct, source: MessageSource): number {
  let flags = AS_IS;
  let last = -1;
  let filled = s.fillNull === undefined;
  const keys = s.keys;
  for (const key in o) {
    let rank = keys.indexOf(key);
    if (rank < 0) {
      // An own `__proto__` key is data; the schema keeps it as such (plain assignment would not).
      if (key === '__proto__' || !isJsonValue(o[key], s.valueDepth, source)) return INVALID;
      if (source !== 'stored' && !key.isWellFormed()) return INVALID;
      flags |= EXTRA;
      // Integer-like keys always enumerate first in JS objects: their place says nothing about the order.
      if (isIndexKey(key)) continue;
      rank = keys.length;
    } else if (key === s.dropNull && o[key] == null) {
      flags |= REBUILD;
      continue;
    } else if (key === s.fillNull) {
      filled = true;
      if (o[key] === undefined) flags |= REBUILD;
    }
    if (rank < last) flags |= REBUILD;
    else last = rank;
  }
  return filled ? flags : flags | REBUILD;
}

/** `o` in canonical form: known keys in schema order (`replaced` values first), then the unknown ones. */
function rebuild(o: Obj, s: Struct, flags: number, replaced?: Obj): Obj {
  const out: Obj = {};
  for (const key of s.keys) {
    const value = replaced?.[key] ?? o[key];
    if (value === undefined) {
      if (key === s.fillNull) out[key] = null;
    } else if (!(key === s.dropNull && value === null)) out[key] = value;
  }
  if (flags & EXTRA) for (const key in o) if (!s.keys.includes(key)) out[key] = o[key];
  return out;
}

function canonicalSource(v: unknown, s: Struct, source: MessageSource): Obj | null {
  if (!isRecord(v) || v.type !== 'base64' || !isText(v.media_type, source) || !isText(v.data, source)) return null;
  const keys = checkKeys(v, s, source);
  return keys === INVALID ? null : (keys & REBUILD) === 0 ? v : rebuild(v, s, keys);
}

/** An image block, or an image part of a tool_result. */
function canonicalImage(b: Obj, part: boolean, source: MessageSource): Obj | null {
  const image = canonicalSource(b.source, part ? PART_SOURCE : BLOCK_SOURCE, source);
  if (image === null) return null;
  const s = part ? IMAGE_PART : IMAGE;
  const keys = checkKeys(b, s, source);
  if (keys === INVALID) return null;
  return (keys & REBUILD) === 0 && image === b.source ? b : rebuild(b, s, keys, { source: image });
}

function canonicalPart(p: unknown, source: MessageSource): Obj | null {
  if (!isRecord(p)) return null;
  if (p.type === 'image') return canonicalImage(p, true, source);
  if (p.type !== 'text' || !isText(p.text, source)) return null;
  const keys = checkKeys(p, TEXT_PART, source);
  return keys === INVALID ? null : (keys & REBUILD) === 0 ? p : rebuild(p, TEXT_PART, keys);
}

/** Copy-on-write map: `items` itself when every item came back unchanged, null when one is invalid. */
function mapItems(items: unknown[], fn: (item: unknown) => Obj | null): unknown[] | null {
  let out: unknown[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const c = fn(item);
    if (c === null) return null;
    if (c !== item) {
      out ??= items.slice(0, i);
      out.push(c);
    } else if (out !== null) out.push(c);
  }
  return out ?? items;
}

function canonicalBlock(b: unknown, source: MessageSource): Obj | null {
  if (!isRecord(b)) return null;
  let replaced: Obj | undefined;
  switch (b.type) {
    case 'text':
      if (!isText(b.text, source)) return null;
      break;
    case 'image':
      return canonicalImage(b, false, source);
    case 'tool_use':
      if (!isText(b.id, source) || !isText(b.name, source) || !isJsonValue(b.input, 6, source)) return null;
      break;
    case 'tool_result': {
      const { content, is_error } = b;
      if (!isText(b.tool_use_id, source) || !(is_error == null || typeof is_error === 'boolean')) return null;
      if ('trust' in b && !TRUST.has(b.trust as string)) return null;
      if ('redaction_reviewed' in b && typeof b.redaction_reviewed !== 'boolean') return null;
      if (typeof content === 'string') {
        if (!isText(content, source)) return null;
      } else {
        if (!Array.isArray(content)) return null;
        const parts = mapItems(content, (p) => canonicalPart(p, source));
        if (parts === null) return null;
        if (parts !== content) replaced = { content: parts };
      }
      break;
    }
    default:
      return null;
  }
  const s = BLOCKS[b.type] as Struct;
  const keys = checkKeys(b, s, source);
  if (keys === INVALID) return null;
  return (keys & REBUILD) === 0 && replaced === undefined ? b : rebuild(b, s, keys, replaced);
}

/**
 * `m` in canonical form when only the schema's normalisations stand between it and that form: `m` itself when it
 * already is (no copy), else a rebuilt copy sharing every unchanged value. Null: let the zod schema decide.
 * `source` says what needs checking (see MessageSource).
 */
export function canonicalMessage(m: unknown, source: MessageSource): Message | null {
  if (!isRecord(m) || !isText(m.role, source) || !Array.isArray(m.content)) return null;
  const rc = m.reasoning_content;
  if (rc != null && !isText(rc, source)) return null;
  const keys = checkKeys(m, MESSAGE, source);
  if (keys === INVALID) return null;
  const content = mapItems(m.content, (b) => canonicalBlock(b, source));
  if (content === null) return null;
  if ((keys & REBUILD) === 0 && content === m.content) return m as Message;
  return rebuild(m, MESSAGE, keys, { content }) as Message;
}

// ---- comparison with stored messages ---------------------------------------------------------------------------
// Written out per level rather than driven by the Struct tables: this runs over every message of a long history on
// every save, and the direct form is about twice as fast.

/** A free JSON value of `v` (an unknown key, `tool_use.input`, …) against the stored one. */
function sameFree(key: string, x: unknown, y: unknown): boolean {
  // Own JSON values are never undefined or functions, so this also refuses keys `stored` only inherits.
  return key !== '__proto__' && y !== undefined && typeof y !== 'function' && sameJson(x, y);
}

function sameBlock(a: unknown, b: Obj): boolean {
  if (!isRecord(a)) return false;
  const result = b.type === 'tool_result';
  let keys = 0;
  let filled = !result;
  for (const key in a) {
    const x = a[key];
    if (result && key === 'is_error') {
      filled = true;
      if ((x === undefined ? null : x) !== b.is_error) return false;
    } else if (typeof x === 'string') {
      if (x !== b[key] || key === '__proto__') return false;
    } else if (!sameFree(key, x, b[key])) return false;
    keys++;
  }
  if (!filled) {
    if (b.is_error !== null) return false;
    keys++;
  }
  return keys === keyCount(b);
}

function sameBlocks(a: unknown, b: readonly unknown[]): boolean {
  if (!Array.isArray(a) || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (!sameBlock(a[i], b[i] as Obj)) return false;
  return true;
}

/**
 * Whether a caller's message `v` is, after the schema's normalisation, equal to `stored` (a canonical message that
 * came out of JSON.parse, such as a remembered history): then saving `v` would store `stored` again. Conservative:
 * anything it cannot be sure of (an invalid value, a `__proto__` key, a value JSON cannot hold) is "different".
 */
export function sameMessage(v: unknown, stored: Message): boolean {
  if (!isRecord(v)) return false;
  const k = stored as Obj;
  let keys = 0;
  for (const key in v) {
    const x = v[key];
    if (key === 'content') {
      if (!sameBlocks(x, stored.content)) return false;
    } else if (typeof x === 'string') {
      if (x !== k[key] || key === '__proto__') return false;
    } else if (key === 'reasoning_content' && x == null) continue;
    else if (!sameFree(key, x, k[key])) return false;
    keys++;
  }
  return keys === keyCount(k);
}
