import { InvalidArgumentError, StoreUnavailableError } from './errors.js';

/** Default time limit for one network operation. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

/**
 * Rejects with StoreUnavailableError when `promise` has not settled within `ms`. It cannot cancel the underlying
 * call, so backends also configure their driver's own timeouts; this bounds what the caller waits for.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  backend: string,
  sessionId?: string | null,
): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new StoreUnavailableError(`${backend}: ${what} did not finish within ${ms} ms`, { backend, sessionId })),
      ms,
    );
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Validates a timeout option (ms > 0, finite) and returns it or the default. */
export function resolveTimeoutMs(value: unknown, fallback = DEFAULT_OPERATION_TIMEOUT_MS): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError('timeoutMs', `expected a positive number of milliseconds, got ${String(value)}`);
  return value;
}
