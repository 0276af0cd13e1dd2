/** Deep comparison of session documents for migrate's skip and verify steps. */
import { isDeepStrictEqual } from 'node:util';

/** True when both documents hold the same data. */
export function sameDocument(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** The path of the first place where two JSON values differ (`messages[3].content`), or null when equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  const here = path === '' ? '(document)' : path;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${here} (length ${a.length} vs ${b.length})`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return here;
  }
  if (
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const d = firstDifference(own(a, key), own(b, key), path === '' ? key : `${path}.${key}`);
      if (d !== null) return d;
    }
  }
  return here;
}

// Own properties only: a `__proto__` key in stored data is data, never the prototype.
function own(value: object, key: string): unknown {
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}
