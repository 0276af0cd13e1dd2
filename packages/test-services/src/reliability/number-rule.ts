/**
 * The one place that says what stores do with integers beyond ±(2^53-1). Today (DESIGN.md "Numbers") they are
 * refused: SessionValidationError on save, SessionCorruptError on load. When core keeps them losslessly instead,
 * flip UNSAFE_INTEGERS to 'kept': every test that stores such a number goes through the two checks below.
 */
import { SessionCorruptError, type SessionData, SessionValidationError } from '@agent-sessions/core';
import { expect } from 'vitest';

export const UNSAFE_INTEGERS: 'refused' | 'kept' = 'refused';

/**
 * Integers beyond 2^53 that a double holds exactly (powers of two and their neighbours), below 1e21: from 1e21 on,
 * JSON.stringify writes an exponent (`1e+21`), which the stores treat as any other number.
 */
export const UNSAFE_BUT_EXACT: readonly number[] = [2 ** 53, 2 ** 53 + 2, -(2 ** 60), 2 ** 64];

/** Digits no double holds exactly: JSON.parse would round them. */
export const UNSAFE_LITERAL = '12345678901234567891';

/**
 * `save(doc)` with an unsafe integer at `path`: refused naming the field (nothing written), or kept exactly
 * (`load` gives the same number back).
 */
export async function expectUnsafeIntegerSave(
  save: () => Promise<unknown>,
  load: () => Promise<SessionData | null>,
  path: string,
  read: (doc: SessionData) => unknown,
  value: number,
): Promise<void> {
  if (UNSAFE_INTEGERS === 'refused') {
    const error = await save().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionValidationError);
    expect((error as SessionValidationError).path).toBe(path);
    expect(await load()).toBeNull();
  } else {
    await save();
    const back = await load();
    expect(back && read(back)).toBe(value);
  }
}

/**
 * A stored record holding {@link UNSAFE_LITERAL} at the field `read` picks: SessionCorruptError, or loaded with the
 * digits intact.
 */
export async function expectUnsafeIntegerLoad(
  load: () => Promise<SessionData | null>,
  read: (doc: SessionData) => unknown,
): Promise<void> {
  if (UNSAFE_INTEGERS === 'refused') {
    await expect(load()).rejects.toBeInstanceOf(SessionCorruptError);
  } else {
    const back = await load();
    expect(String(back && read(back))).toBe(UNSAFE_LITERAL);
  }
}
