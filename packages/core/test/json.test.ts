/** The digit-run scan that guards loads against integers JSON.parse would round. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnsafeIntegerLiteral, hasDigitRun } from '../src/json.js';

// Mostly digits, so that runs of every length around the threshold occur.
const digity = fc
  .array(fc.constantFrom('0', '1', '5', '9', '9', '9', 'a', '"', '.', '-', ' '), { maxLength: 80 })
  .map((chars) => chars.join(''));

describe('hasDigitRun', () => {
  it('agrees with a regular expression for every run length', () => {
    fc.assert(
      fc.property(digity, fc.integer({ min: 1, max: 20 }), (text, length) => {
        expect(hasDigitRun(text, length)).toBe(new RegExp(`\\d{${length}}`).test(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a run at the very start, the very end, and not one digit short', () => {
    expect(hasDigitRun('1234567890123456', 16)).toBe(true);
    expect(hasDigitRun('{"a":1,"b":x1234567890123456', 16)).toBe(true);
    expect(hasDigitRun('123456789012345 123456789012345', 16)).toBe(false);
    expect(hasDigitRun('', 16)).toBe(false);
  });
});

describe('findUnsafeIntegerLiteral', () => {
  it('names an integer beyond 2^53-1 outside strings and ignores long digit runs inside strings and floats', () => {
    expect(findUnsafeIntegerLiteral('{"n":9007199254740993}')).toBe('9007199254740993');
    expect(findUnsafeIntegerLiteral('{"n":-9007199254740993}')).toBe('-9007199254740993');
    expect(findUnsafeIntegerLiteral('{"n":9007199254740991}')).toBeNull();
    expect(findUnsafeIntegerLiteral('{"s":"90071992547409930000"}')).toBeNull();
    expect(findUnsafeIntegerLiteral('{"f":90071992547409930000.5}')).toBeNull();
  });
});
