/** The pause before retrying a lost conditional write. */

/**
 * A random pause before retrying a lost conditional write. The jitter spreads writers that collided so one of them
 * wins the next round instead of all colliding again; the cap keeps a busy session responsive.
 */
export function retryPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
