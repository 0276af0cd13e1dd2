/** JSON-level rules shared by the schema and the codec. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Returns the path of the first value that does not survive JSON.stringify/JSON.parse unchanged (undefined, a
 * function, a symbol, a bigint, NaN, ±Infinity, an unsafe integer, a non-plain object such as a Date or Map), or
 * null when the whole value is plain JSON. A cycle is reported too, instead of overflowing the stack.
 */
export function findNonJson(
  value: unknown,
  path: (string | number)[] = [],
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
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const bad = findNonJson(value[i], [...path, i], seen);
            if (bad) return bad;
          }
          return null;
        }
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null)
          return { path, reason: `${proto?.constructor?.name ?? 'object'} is not plain JSON` };
        for (const key of Object.keys(value)) {
          const bad = findNonJson((value as Record<string, unknown>)[key], [...path, key], seen);
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
 * Whether `value` is the JSON value `json` (a value JSON.parse returned), with keys in the same order: then both
 * serialize to the same text. Conservative: anything JSON.stringify would write differently from `json` (a Date, a
 * class instance, an undefined member, a hole) is "different". No recursion guard is needed: `json` is a tree, so
 * a cycle in `value` stops matching at the depth where `json` ends.
 */
export function sameJsonValue(value: unknown, json: unknown): boolean {
  if (value === json) return true;
  if (typeof value !== 'object' || typeof json !== 'object' || value === null || json === null) return false;
  if (Array.isArray(json)) {
    if (!Array.isArray(value) || value.length !== json.length) return false;
    for (let i = 0; i < json.length; i++) if (!sameJsonValue(value[i], json[i])) return false;
    return true;
  }
  if (Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  const jsonKeys = Object.keys(json);
  if (keys.length !== jsonKeys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key !== jsonKeys[i]) return false;
    if (!sameJsonValue((value as Record<string, unknown>)[key], (json as Record<string, unknown>)[key])) return false;
  }
  return true;
}
