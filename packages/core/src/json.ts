/** JSON-level rules shared by the schema and the codec. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The deepest nesting of arrays and objects a document may have, counted from the document itself (depth 1).
 * serde_json (a3s-code's reader) stops at 128 levels by default, so a deeper document could be stored but never read
 * back by a3s-code; every check below stops descending there, so no value can overflow the stack.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Returns the path of the first value that does not survive JSON.stringify/JSON.parse unchanged (undefined, a
 * function, a symbol, a bigint, NaN, ±Infinity, an unsafe integer, a non-plain object such as a Date or Map), or
 * null when the whole value is plain JSON. A cycle is reported too, and nesting beyond `remainingDepth` levels of
 * arrays and objects (`value` itself counts as one).
 */
export function findNonJson(
  value: unknown,
  path: (string | number)[] = [],
  remainingDepth: number = MAX_JSON_DEPTH,
  seen = new Set<object>(),
): { path: (string | number)[]; reason: string } | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      if (!Number.isFinite(value)) return { path, reason: `${value} is not a JSON number` };
      // JSON.stringify writes integers below 1e21 as plain digits, which JSON.parse rounds beyond 2^53-1; larger ones
      // get an exponent and read back exactly.
      if (Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21)
        return {
          path,
          reason: `integer ${value} is beyond ±(2^53-1) and cannot be stored exactly; store it as a string`,
        };
      return null;
    case 'object': {
      if (value === null) return null;
      if (seen.has(value)) return { path, reason: 'circular reference' };
      if (remainingDepth < 1) return { path, reason: tooDeep() };
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const bad = findNonJson(value[i], [...path, i], remainingDepth - 1, seen);
            if (bad) return bad;
          }
          return null;
        }
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null)
          return { path, reason: `${proto?.constructor?.name ?? 'object'} is not plain JSON` };
        for (const key of Object.keys(value)) {
          const bad = findNonJson((value as Record<string, unknown>)[key], [...path, key], remainingDepth - 1, seen);
          if (bad) return bad;
        }
        return null;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return { path, reason: `${typeof value} is not a JSON value` };
  }
}

function tooDeep(): string {
  return `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (serde_json, which a3s-code reads with, stops there)`;
}

/**
 * The fast form of `findNonJson(value) === null` for values that are almost always fine: no path is built, and a
 * cycle is caught by the depth limit. `remainingDepth` counts `value` itself. `wellFormed`: strings must hold no lone
 * surrogate (serde_json refuses them).
 */
export function isPlainJson(value: unknown, remainingDepth: number, wellFormed = true): boolean {
  switch (typeof value) {
    case 'string':
      return !wellFormed || value.isWellFormed();
    case 'boolean':
      return true;
    case 'number':
      return (
        Number.isFinite(value) && (Number.isSafeInteger(value) || !Number.isInteger(value) || Math.abs(value) >= 1e21)
      );
    case 'object': {
      if (value === null) return true;
      if (remainingDepth < 1) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], remainingDepth - 1, wellFormed)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (key === '__proto__' || (wellFormed && !key.isWellFormed())) return false;
        if (!isPlainJson((value as Record<string, unknown>)[key], remainingDepth - 1, wellFormed)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * isPlainJson for a value that came out of JSON.parse: only the depth and what JSON.parse lets through need
 * checking (numbers that overflowed to ±Infinity, and with `checkText` lone surrogates from `\uD800` escapes).
 */
export function isStoredJson(value: unknown, remainingDepth: number, checkText: boolean): boolean {
  switch (typeof value) {
    case 'string':
      return !checkText || value.isWellFormed();
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (remainingDepth < 1) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isStoredJson(value[i], remainingDepth - 1, checkText)) return false;
        return true;
      }
      for (const key in value) {
        if (checkText && !key.isWellFormed()) return false;
        if (!isStoredJson((value as Record<string, unknown>)[key], remainingDepth - 1, checkText)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

/** Whether a value that came out of JSON.parse nests at most `remainingDepth` levels (`value` counts as one). */
export function withinDepth(value: unknown, remainingDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (remainingDepth < 1) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!withinDepth(value[i], remainingDepth - 1)) return false;
    return true;
  }
  for (const key in value) if (!withinDepth((value as Record<string, unknown>)[key], remainingDepth - 1)) return false;
  return true;
}

/** The path of the first container nested deeper than `remainingDepth` levels, for the error message. */
export function findTooDeep(
  value: unknown,
  path: (string | number)[],
  remainingDepth: number,
): { path: (string | number)[]; reason: string } | null {
  if (typeof value !== 'object' || value === null) return null;
  if (remainingDepth < 1) return { path, reason: tooDeep() };
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
  for (const [key, v] of entries) {
    const bad = findTooDeep(v, [...path, key], remainingDepth - 1);
    if (bad) return bad;
  }
  return null;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Whether `text` holds `length` digits in a row. Any such run covers every `length`-th position, so the loop looks at
 * one character in `length` and reads back only from a digit: about four times faster than `/\d{16}/` on a message
 * history, which is most of a load's work after JSON.parse.
 */
export function hasDigitRun(text: string, length: number): boolean {
  let end = length - 1;
  while (end < text.length) {
    if (!isDigit(text.charCodeAt(end))) {
      end += length;
      continue;
    }
    // Count digits back from `end`; a non-digit at `at` means a run can only start after it.
    const stop = end - length;
    let at = end - 1;
    while (at > stop && isDigit(text.charCodeAt(at))) at--;
    if (at === stop) return true;
    end = at + length;
  }
  return false;
}

/**
 * JSON.parse rounds integer literals beyond ±(2^53-1) without a word. This finds the first such literal in raw JSON
 * text (outside strings), so a reader can refuse the document instead of silently changing a number.
 * The fast path only looks for a run of 16+ digits (the shortest unsafe literal); text without one is not parsed.
 */
export function findUnsafeIntegerLiteral(text: string): string | null {
  if (!hasDigitRun(text, 16)) return null;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
        else break;
      }
      const literal = text.slice(start, i);
      if (!/[.eE]/.test(literal) && !Number.isSafeInteger(Number(literal))) return literal;
      continue;
    }
    i++;
  }
  return null;
}

/**
 * Whether `value` serializes to a JSON value equal to `json` (a value JSON.parse returned), in any key order. Exact
 * about everything else: a key whose value JSON would drop (undefined), a Date, a class instance, a hole, an extra
 * key all make it "different". Recursion follows `json`, a finite tree, so a cycle in `value` ends where `json` does.
 */
export function sameJson(value: unknown, json: unknown): boolean {
  if (value === json) return true;
  if (typeof value !== 'object' || typeof json !== 'object' || value === null || json === null) return false;
  if (Array.isArray(json)) {
    if (!Array.isArray(value) || value.length !== json.length) return false;
    for (let i = 0; i < json.length; i++) if (!sameJson(value[i], json[i])) return false;
    return true;
  }
  if (Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  let keys = 0;
  for (const key in value) {
    // Own JSON values are never undefined or functions, so this also refuses keys `json` only inherits.
    const expected = (json as Record<string, unknown>)[key];
    if (key === '__proto__' || expected === undefined || typeof expected === 'function') return false;
    if (!sameJson((value as Record<string, unknown>)[key], expected)) return false;
    keys++;
  }
  return keys === keyCount(json);
}

/** Own enumerable keys of a plain object (no array is allocated). */
export function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}
