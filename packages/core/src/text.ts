/**
 * Value rules that serde_json enforces and JavaScript does not: text must be well-formed UTF-16 (serde_json refuses a
 * lone surrogate such as `"\ud800"`, so a3s-code could not read the file), numbers must be finite (serde_json refuses
 * `1e400`; JSON.parse turns it into Infinity), and an f32 field must not overflow f32 (serde would hold infinity and
 * write `null`, which it then cannot read back).
 */

export const LONE_SURROGATE_MESSAGE =
  'contains a lone surrogate (a half of a UTF-16 pair), which a3s-code (serde_json) cannot read; ' +
  'remove it or replace it with U+FFFD';

/** The message of a value that overflows an f32 field. */
export const F32_OVERFLOW_MESSAGE =
  'overflows an f32 (beyond ±3.4028235e38): a3s-code would hold infinity and write null, which it cannot read back; ' +
  'use a smaller value';

/** The message of a number that is not finite. */
export const NON_FINITE_MESSAGE = 'is not a finite number, which a3s-code (serde_json) cannot read';

/** Whether `value` fits an f32 as serde reads one (a cast from f64 that must not round to infinity). */
export function fitsF32(value: number): boolean {
  return Number.isFinite(Math.fround(value));
}

/** A value a3s-code cannot read: its path and what is wrong. */
export interface ValueIssue {
  /** Where the value is. */
  path: (string | number)[];
  /** What is wrong with it. */
  message: string;
}

/**
 * The first string (or object key) holding a lone surrogate, or number that is not finite, inside a JSON-like value,
 * with its path below `path`. Values that are not JSON at all (undefined, functions, cycles) are left to `findNonJson`.
 */
export function findTextOrNumberIssue(value: unknown, path: (string | number)[] = [], depth = 0): ValueIssue | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : { path, message: LONE_SURROGATE_MESSAGE };
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, message: NON_FINITE_MESSAGE };
  // Deeper than any JSON.parse result can be without a cycle: a cycle is findNonJson's to report.
  if (typeof value !== 'object' || value === null || depth > 10_000) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findTextOrNumberIssue(value[i], [...path, i], depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (!key.isWellFormed()) return { path: [...path, key], message: `its key ${LONE_SURROGATE_MESSAGE}` };
    const bad = findTextOrNumberIssue((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    if (bad) return bad;
  }
  return null;
}

/**
 * Whether JSON text may hold a lone surrogate: JSON.parse makes one only from a `\uD800`-`\uDFFF` escape (raw UTF-8
 * bytes cannot encode one). False means the parsed value holds none, so a reader can skip walking it.
 */
export function mayHoldLoneSurrogate(jsonText: string): boolean {
  return /\\u[dD][89a-fA-F]/.test(jsonText);
}
