import { StoreUnavailableError } from '@agent-sessions/core';

/**
 * Polls `healthCheck` until it passes: after an outage the first attempts may still meet connections that died
 * meanwhile. Only StoreUnavailableError is waited out; any other error, or the last one after `attempts`, is thrown.
 */
export async function untilHealthy(
  store: { healthCheck(): Promise<void> },
  attempts = 100,
  intervalMs = 100,
): Promise<void> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      await store.healthCheck();
      return;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      last = error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw last;
}
