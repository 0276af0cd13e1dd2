/**
 * The hot path of validation. Messages are almost all of a session's bytes, and nearly every message a store sees
 * is already canonical, so this recognises a canonical message without allocating. It only ever answers "this is
 * exactly what MessageSchema would return": anything else (an error, a default to fill, a null to drop, a
 * `__proto__` key) goes to the zod schema, which stays the single source of truth and of error messages.
 * A property test checks that every message accepted here parses to itself under MessageSchema.
 */
import { findNonJson } from './json.js';

type Obj = Record<string, unknown>;

function isRecord(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  // Null-prototype objects go to the schema, which returns plain objects.
  return Object.getPrototypeOf(v) === Object.prototype;
}

/** Every key is known and well-typed, or unknown and plain JSON (unknown values are trusted after JSON.parse). */
function extrasOk(o: Obj, known: ReadonlySet<string>, trusted: boolean): boolean {
  for (const key of Object.keys(o)) {
    if (known.has(key)) continue;
    if (key === '__proto__') return false;
    if (!trusted && (o[key] === undefined || findNonJson(o[key]) !== null)) return false;
  }
  return true;
}

const TEXT_KEYS = new Set(['type', 'text']);
const IMAGE_KEYS = new Set(['type', 'source']);
const SOURCE_KEYS = new Set(['type', 'media_type', 'data']);
const TOOL_USE_KEYS = new Set(['type', 'id', 'name', 'input']);
const TOOL_RESULT_KEYS = new Set(['type', 'tool_use_id', 'content', 'is_error']);
const MESSAGE_KEYS = new Set(['role', 'content', 'reasoning_content']);

function isImage(b: Obj, trusted: boolean): boolean {
  const s = b.source;
  return (
    isRecord(s) &&
    s.type === 'base64' &&
    typeof s.media_type === 'string' &&
    typeof s.data === 'string' &&
    extrasOk(s, SOURCE_KEYS, trusted) &&
    extrasOk(b, IMAGE_KEYS, trusted)
  );
}

function isResultPart(b: unknown, trusted: boolean): boolean {
  if (!isRecord(b)) return false;
  if (b.type === 'text') return typeof b.text === 'string' && extrasOk(b, TEXT_KEYS, trusted);
  if (b.type === 'image') return isImage(b, trusted);
  return false;
}

function isBlock(b: unknown, trusted: boolean): boolean {
  if (!isRecord(b)) return false;
  switch (b.type) {
    case 'text':
      return typeof b.text === 'string' && extrasOk(b, TEXT_KEYS, trusted);
    case 'tool_use':
      return (
        typeof b.id === 'string' &&
        typeof b.name === 'string' &&
        b.input !== undefined &&
        (trusted || findNonJson(b.input) === null) &&
        extrasOk(b, TOOL_USE_KEYS, trusted)
      );
    case 'tool_result': {
      const c = b.content;
      if (typeof b.tool_use_id !== 'string' || !(b.is_error === null || typeof b.is_error === 'boolean')) return false;
      if (typeof c !== 'string') {
        if (!Array.isArray(c)) return false;
        for (const part of c) if (!isResultPart(part, trusted)) return false;
      }
      return extrasOk(b, TOOL_RESULT_KEYS, trusted);
    }
    case 'image':
      return isImage(b, trusted);
    default:
      return false;
  }
}

/**
 * True when `m` is a message in canonical form, so it can be stored (or returned) as it is.
 * `trusted`: the value came out of JSON.parse, so unknown values need no JSON check.
 */
export function isCanonicalMessage(m: unknown, trusted: boolean): boolean {
  if (!isRecord(m) || typeof m.role !== 'string' || !Array.isArray(m.content)) return false;
  if ('reasoning_content' in m && typeof m.reasoning_content !== 'string') return false;
  for (const block of m.content) if (!isBlock(block, trusted)) return false;
  return extrasOk(m, MESSAGE_KEYS, trusted);
}
