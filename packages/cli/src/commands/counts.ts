/** Count options of the history commands (`--last`, `--at`, `--keep`): integers from 0. */
import { type ParsedArgs, UsageError } from '../args.js';

/** The option's value, or undefined when it is absent. */
export function countOption(values: ParsedArgs['values'], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${name} must be an integer from 0, got "${String(raw)}"`);
  return value;
}
