import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/adapter.js';
import { MessageSchema, parseSession } from '../src/adapter.js';
import { canonicalMessage, sameMessage } from '../src/canonical.js';
import { applicationShaped, arbitraryMessage, arbitrarySession, exactJson } from '../src/conformance/arbitraries.js';
import { STORED } from '../src/schema-build.js';

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

// Mostly canonical messages, application-shaped ones and near misses, so every side is exercised.
const mostlyCanonical = fc.oneof(
  { weight: 3, arbitrary: fc.record({ role: fc.string(), content: fc.array(block, { maxLength: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(arbitraryMessage, fc.integer())
      .map(([m, seed]) => applicationShaped([MessageSchema.parse(m)], seed)[0]),
  },
  { weight: 1, arbitrary: message },
);

/** What JSON.parse can give for `m`: bigints become strings, the rest as JSON.stringify writes it. */
function fromJson(m: unknown): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? 'null');
}

function parseStored(m: unknown): ReturnType<typeof MessageSchema.safeParse> {
  return STORED.MessageSchema.safeParse(m);
}

describe('canonicalMessage', () => {
  it('gives exactly what MessageSchema returns, key order included, or leaves it to the schema (property)', () => {
    let accepted = 0;
    let rebuilt = 0;
    fc.assert(
      fc.property(mostlyCanonical, (m) => {
        const c = canonicalMessage(m, 'caller');
        if (c === null) return;
        accepted++;
        if (c !== m) rebuilt++;
        const result = MessageSchema.safeParse(m);
        expect(result.success).toBe(true);
        expect(c).toEqual(result.data);
        expect(JSON.stringify(c)).toBe(JSON.stringify(result.data));
      }),
      { numRuns: 5000 },
    );
    // The generator reaches both the accepting side and the rebuilding one.
    expect(accepted).toBeGreaterThan(200);
    expect(rebuilt).toBeGreaterThan(50);
    fc.assert(
      fc.property(message, (m) => {
        const parsed = fromJson(m);
        const c = canonicalMessage(parsed, 'stored');
        if (c === null) return;
        // Compare with the schema in the same mode: values from JSON text skip the JSON-value check.
        const result = parseStored(parsed);
        expect(result.success).toBe(true);
        expect(JSON.stringify(c)).toBe(JSON.stringify(result.data));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes a canonical message as it is, and an application-shaped one to the same value', () => {
    fc.assert(
      fc.property(arbitraryMessage, fc.integer(), (m, seed) => {
        const canonical = MessageSchema.parse(m);
        // Own `__proto__` keys always take the schema's path (it keeps them as data).
        if (JSON.stringify(canonical).includes('"__proto__"')) return;
        expect(canonicalMessage(canonical, 'caller')).toBe(canonical);
        // Known keys come back in schema order; free JSON keeps the order it has.
        const c = canonicalMessage(applicationShaped([canonical], seed, { freeJson: false })[0], 'caller');
        expect(JSON.stringify(c)).toBe(JSON.stringify(canonical));
        // toEqual, not toStrictEqual: that one compares own `constructor` keys, which the data may have.
        expect(canonicalMessage(applicationShaped([canonical], seed)[0], 'caller')).toEqual(canonical);
      }),
      { numRuns: 1000 },
    );
  });

  it('sends what it cannot be sure of to the schema', () => {
    expect(canonicalMessage(JSON.parse('{"role":"user","content":[],"__proto__":{}}'), 'stored')).toBeNull();
    expect(
      canonicalMessage(
        { role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: { n: 10n } }] },
        'caller',
      ),
    ).toBeNull();
    expect(
      canonicalMessage({ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b' }] }, 'stored'),
    ).toBeNull();
    expect(canonicalMessage({ role: 'user', content: [{ type: 'text', text: '\ud800' }] }, 'caller')).toBeNull();
    const extra = { role: 'user', content: [{ type: 'text', text: 'ok' }], extra: 1 };
    expect(canonicalMessage(extra, 'caller')).toBe(extra);
  });

  it('refuses free JSON nested past the document depth limit, on save and on load', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    const m = { role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: deep }] };
    expect(canonicalMessage(m, 'caller')).toBeNull();
    expect(canonicalMessage(m, 'stored')).toBeNull();
  });
});

describe('sameMessage', () => {
  it('is true for a stored message and any application shape of it (property)', () => {
    fc.assert(
      fc.property(arbitraryMessage, fc.integer(), (m, seed) => {
        const stored = fromJson(MessageSchema.parse(m)) as Message;
        // A `__proto__` key is compared conservatively: never "the same" (the save rewrites; nothing is lost).
        if (JSON.stringify(stored).includes('"__proto__"')) return;
        expect(sameMessage(applicationShaped([stored], seed)[0], stored)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('when true, the message parses to the stored one (property over near misses)', () => {
    let same = 0;
    fc.assert(
      fc.property(message, message, fc.integer(), fc.boolean(), (a, b, seed, pick) => {
        const source = pick ? a : b;
        const parsed = MessageSchema.safeParse(source);
        if (!parsed.success) return;
        const stored = fromJson(parsed.data) as Message;
        const candidate = seed % 2 === 0 ? applicationShaped([stored], seed)[0] : a;
        if (!sameMessage(candidate, stored)) return;
        same++;
        const result = MessageSchema.safeParse(candidate);
        expect(result.success).toBe(true);
        expect(result.data).toEqual(stored);
      }),
      { numRuns: 5000 },
    );
    expect(same).toBeGreaterThan(20);
  });

  it('sees every difference a save must not lose', () => {
    const stored = fromJson({
      role: 'assistant',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'tool_use', id: 't', name: 'bash', input: { command: 'ls', n: 1 } },
        { type: 'tool_result', tool_use_id: 't', content: 'x', is_error: null },
      ],
    }) as Message;
    // biome-ignore lint/suspicious/noExplicitAny: each variant reaches into a different part of the message
    const variants: [string, (m: any) => void][] = [
      ['text', (m) => (m.content[0].text = 'ho')],
      ['input value', (m) => (m.content[1].input.n = 2)],
      ['input key', (m) => (m.content[1].input.extra = 0)],
      ['input undefined', (m) => (m.content[1].input.extra = undefined)],
      ['is_error', (m) => (m.content[2].is_error = false)],
      ['reasoning', (m) => (m.reasoning_content = '')],
      ['extra key', (m) => (m.extra = null)],
      ['role', (m) => (m.role = 'user')],
      ['block dropped', (m) => m.content.pop()],
      ['a Date', (m) => (m.content[1].input.n = new Date(1))],
    ];
    expect(sameMessage(JSON.parse(JSON.stringify(stored)), stored)).toBe(true);
    for (const [what, change] of variants) {
      const m = JSON.parse(JSON.stringify(stored));
      change(m);
      expect(sameMessage(m, stored), what).toBe(false);
    }
  });
});

describe('applicationShaped', () => {
  it('parses back to the canonical document it came from (property)', () => {
    fc.assert(
      fc.property(arbitrarySession('shape'), fc.integer(), (doc, seed) => {
        expect(parseSession(applicationShaped(doc, seed))).toEqual(parseSession(doc));
      }),
      { numRuns: 300 },
    );
  });
});
