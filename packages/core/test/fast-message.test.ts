import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactJson } from '../src/conformance/arbitraries.js';
import { isCanonicalMessage } from '../src/fast-message.js';
import { MessageSchema } from '../src/index.js';
import { parseMode } from '../src/parse-mode.js';

// Messages near the canonical form: right and wrong types, nulls, missing keys, unknown keys, odd values.
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 5 }),
  fc.integer(),
  fc.constant(Number.NaN),
  fc.constant(2 ** 53),
  fc.constant(10n),
  fc.constant(new Date(0)),
  exactJson,
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, anyValue);
const extraKey = fc.constantFrom('x', 'trust', '__proto__', 'constructor', 'transcript_text');
const withExtras = (arb: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(arb, fc.array(fc.tuple(extraKey, anyValue), { maxLength: 2 })).map(([o, extras]) => {
    const out = { ...o };
    for (const [k, v] of extras)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
const source = withExtras(
  fc.record(
    { type: maybe(fc.constant('base64')), media_type: maybe(fc.string()), data: maybe(fc.string()) },
    { requiredKeys: [] },
  ),
);
const part = withExtras(
  fc.oneof(
    fc.record({ type: fc.constant('text'), text: maybe(fc.string()) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('image'), source: maybe(source) }, { requiredKeys: ['type'] }),
  ),
);
const block = withExtras(
  fc.oneof(
    fc.record({ type: fc.constant('text'), text: maybe(fc.string()) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('image'), source: maybe(source) }, { requiredKeys: ['type'] }),
    fc.record(
      { type: fc.constant('tool_use'), id: maybe(fc.string()), name: maybe(fc.string()), input: anyValue },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: fc.constant('tool_result'),
        tool_use_id: maybe(fc.string()),
        content: fc.oneof(fc.string(), fc.array(part, { maxLength: 2 }), anyValue),
        is_error: fc.oneof(fc.boolean(), anyValue),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({ type: anyValue }),
  ),
);
const message = withExtras(
  fc.record(
    {
      role: maybe(fc.string()),
      content: fc.oneof(fc.array(block, { maxLength: 3 }), anyValue),
      reasoning_content: anyValue,
    },
    { requiredKeys: [] },
  ),
);

// Mostly canonical messages with a few near misses, so the accepting side is exercised too.
const mostlyCanonical = fc.oneof(
  { weight: 3, arbitrary: fc.record({ role: fc.string(), content: fc.array(block, { maxLength: 2 }) }) },
  { weight: 1, arbitrary: message },
);

describe('fast message path', () => {
  it('accepts only what MessageSchema returns unchanged (property, untrusted and trusted input)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mostlyCanonical, (m) => {
        if (!isCanonicalMessage(m, false)) return;
        accepted++;
        const result = MessageSchema.safeParse(m);
        expect(result.success).toBe(true);
        expect(result.data).toStrictEqual(m);
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(200); // the generator does reach the accepting side
    fc.assert(
      fc.property(message, (m) => {
        // What JSON.parse can give: bigints become strings, the rest as JSON.stringify writes it.
        const parsed = JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? 'null');
        if (!isCanonicalMessage(parsed, true)) return;
        // Compare with the schema in the same mode: values from JSON text skip the JSON-value check.
        parseMode.trustedJson = true;
        try {
          expect(MessageSchema.parse(parsed)).toStrictEqual(parsed);
        } finally {
          parseMode.trustedJson = false;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('sends non-canonical messages to the schema', () => {
    expect(isCanonicalMessage({ role: 'user', content: [], reasoning_content: null }, false)).toBe(false);
    expect(
      isCanonicalMessage({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] }, false),
    ).toBe(false);
    expect(isCanonicalMessage(JSON.parse('{"role":"user","content":[],"__proto__":{}}'), true)).toBe(false);
    expect(
      isCanonicalMessage(
        { role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: { n: 10n } }] },
        false,
      ),
    ).toBe(false);
    expect(isCanonicalMessage({ role: 'user', content: [{ type: 'text', text: 'ok' }], extra: 1 }, false)).toBe(true);
  });
});
