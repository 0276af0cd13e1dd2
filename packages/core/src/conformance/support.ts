/** Small helpers the suite's files share. */
import { expect, it } from 'vitest';
import type { SessionStore } from '../contract.js';
import type { SessionData } from '../schema.js';

/**
 * A test that runs only when the backend can do what it checks. When it cannot, vitest reports it as skipped under
 * a name that says which capability ruled it out, so a skip is never silent.
 */
export function itWhen(
  condition: boolean,
  reason: string,
  name: string,
  fn: () => Promise<void>,
  timeout?: number,
): void {
  if (condition) it(name, fn, timeout);
  else it.skipIf(true)(`${name} [skipped: ${reason}]`, fn);
}

/** Awaits a promise that must reject, and returns the error for further assertions. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to reject, but it resolved');
}

/** Saves, then checks that load and get return the same document and that the revision is the one save returned. */
export async function expectRoundTrip(store: SessionStore, doc: SessionData, expected: unknown = doc): Promise<void> {
  const { revision } = await store.save(doc);
  expect(await store.load(doc.id)).toEqual(expected);
  const got = await store.get(doc.id);
  expect(got?.revision).toBe(revision);
  expect(got?.session).toEqual(expected);
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
