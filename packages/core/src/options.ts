/** Option checks every store shares: numbers with their defaults, each refused with InvalidArgumentError. */
import { InvalidArgumentError } from './errors.js';

/** Validates a positive integer option (ms, bytes, counts). */
export function positiveIntegerOption(name: string, value: unknown, fallback: number, backend?: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError(name, `expected a positive integer, got ${String(value)}`, { backend });
  return value;
}

/** Validates a non-negative integer option (0 allowed: sizes of caches a caller may turn off). */
export function nonNegativeIntegerOption(name: string, value: unknown, fallback: number, backend?: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(name, `expected 0 or a positive integer, got ${String(value)}`, { backend });
  return value;
}

/** Validates an optional time limit in ms: a positive integer, or null / undefined for `fallback`. */
export function timeoutOption(name: string, value: unknown, fallback: number | null, backend?: string): number | null {
  if (value === undefined || value === null) return fallback;
  return positiveIntegerOption(name, value, 0, backend);
}
