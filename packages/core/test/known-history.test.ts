/** The remembered-history path of split stores: value comparison, planning over it, and the bounded cache. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSessionOver } from '../src/codec.js';
import { makeMessage, makeSession } from '../src/conformance/data.js';
import { sameJson } from '../src/json.js';
import { KnownHistories } from '../src/known-history.js';
import type { Message } from '../src/schema.js';
import { digestSegment, MAX_DIGEST_SEGMENTS, planSegmentWrite, type SegmentState } from '../src/segments.js';

const messages = (n: number, tag = '') => Array.from({ length: n }, (_, i) => makeMessage(i, `${tag}m${i}`));
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const textOf = (list: readonly Message[]) => JSON.stringify(list).slice(1, -1);

describe('sameJson', () => {
  it('is true for a value and its JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // An own `__proto__` key is never taken as the same: the comparison is conservative there (see below).
        fc.pre(!JSON.stringify(value).includes('"__proto__"'));
        return sameJson(value, JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('when true, the value serializes to JSON equal to the other one (pairs of arbitrary values)', () => {
    const anything = fc.oneof(
      fc.jsonValue(),
      fc.anything({ withDate: true, withMap: true, withNullPrototype: true, withSparseArray: true }),
    );
    fc.assert(
      fc.property(anything, fc.jsonValue(), (value, other) => {
        const json = JSON.parse(JSON.stringify(other) ?? 'null');
        if (sameJson(value, json)) expect(JSON.parse(JSON.stringify(value) ?? 'null')).toStrictEqual(json);
      }),
      { numRuns: 500 },
    );
  });

  it('ignores key order, and sees everything JSON would write differently', () => {
    const json = { a: 1, b: [1, 2], c: { d: 'x' } };
    expect(sameJson({ a: 1, b: [1, 2], c: { d: 'x' } }, json)).toBe(true);
    expect(sameJson({ c: { d: 'x' }, b: [1, 2], a: 1 }, json)).toBe(true);
    expect(sameJson({ a: 1, b: [1, 2], c: { d: 'x' }, e: undefined }, json)).toBe(false);
    expect(sameJson({ a: 1, b: [1, 2, 3], c: { d: 'x' } }, json)).toBe(false);
    expect(sameJson({ a: 1, b: [2, 1], c: { d: 'x' } }, json)).toBe(false);
    expect(sameJson({ a: 1, b: [1, 2], c: { d: 'y' } }, json)).toBe(false);
    expect(sameJson({ a: 1, b: [1, 2], c: new Map() }, json)).toBe(false);
    expect(sameJson({ a: Number.NaN, b: [1, 2], c: { d: 'x' } }, { ...json, a: null })).toBe(false);
    expect(sameJson({ a: 1, toString: Object.prototype.toString }, { a: 1 })).toBe(false);
    expect(sameJson(new Date(0), '1970-01-01T00:00:00.000Z')).toBe(false);
    expect(sameJson(JSON.parse('{"__proto__":1}'), JSON.parse('{"__proto__":1}'))).toBe(false);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(sameJson(cyclic, { a: 1, self: { a: 1, self: null } })).toBe(false);
  });
});

describe('parseSessionOver', () => {
  it('takes the leading messages equal to the known ones as they are, and counts them', () => {
    const known = copy(messages(5));
    const doc = { ...makeSession('p', { messages: 0 }), messages: [...messages(5), makeMessage(5)] };
    const { session, unchanged } = parseSessionOver(doc, known);
    expect(unchanged).toBe(5);
    expect(session.messages[4]).toBe(known[4]);
    expect(session.messages).toEqual(doc.messages);
    (doc.messages[2]!.content[0] as { text: string }).text = 'changed';
    const after = parseSessionOver(doc, known);
    expect(after.unchanged).toBe(2);
    expect(after.session.messages[2]).toEqual(doc.messages[2]);
  });

  it('still rejects an invalid message after the unchanged ones', () => {
    const doc = { ...makeSession('p', { messages: 0 }), messages: [...messages(3), { role: 'user', content: 7 }] };
    expect(() => parseSessionOver(doc, copy(messages(3)))).toThrow(/messages\[3\]\.content/);
  });
});

describe('planning over a remembered history', () => {
  const list = messages(6);
  const stored: SegmentState = { count: 4, digest: planSegmentWrite(null, list.slice(0, 4)).digest };
  const bytes = Buffer.byteLength(textOf(list.slice(0, 4)));

  it('appends the tail without hashing the prefix, and the digest verifies by hashing afterwards', () => {
    const plan = planSegmentWrite(stored, list, { state: stored, unchanged: 4, bytes });
    expect(plan).toMatchObject({ kind: 'append', from: 4, text: textOf(list.slice(4)) });
    expect(plan.messagesBytes).toBe(Buffer.byteLength(textOf(list)));
    // A store without the remembered history accepts that digest for the same messages and sees an edit.
    expect(planSegmentWrite({ count: 6, digest: plan.digest }, list)).toMatchObject({ kind: 'append', from: 6 });
    const edited = copy(list);
    (edited[1]!.content[0] as { text: string }).text = 'edited';
    expect(planSegmentWrite({ count: 6, digest: plan.digest }, edited).kind).toBe('rewrite');
    // The digest is the stored one extended by the tail's segment.
    expect(digestSegment(textOf(list.slice(4)), 2, stored.digest)).toBe(plan.digest);
  });

  it('rewrites at once when the comparison found a change, and ignores a check made against another state', () => {
    expect(planSegmentWrite(stored, list, { state: stored, unchanged: 2, bytes }).kind).toBe('rewrite');
    const other = { count: 4, digest: planSegmentWrite(null, messages(4, 'x')).digest };
    // The check was made against `other`, but `stored` is what is stored: plan by hashing (finds the prefix intact).
    expect(planSegmentWrite(stored, list, { state: other, unchanged: 0, bytes })).toMatchObject({
      kind: 'append',
      from: 4,
    });
  });

  it('hashes again once the digest holds MAX_DIGEST_SEGMENTS segments, which compacts it', () => {
    let state: SegmentState = { count: 0, digest: '' };
    const grown: Message[] = [];
    for (let i = 0; i < MAX_DIGEST_SEGMENTS + 2; i++) {
      grown.push(makeMessage(i));
      const check = { state, unchanged: state.count, bytes: Buffer.byteLength(textOf(grown.slice(0, -1))) };
      const plan = planSegmentWrite(state, grown, check);
      expect(plan.kind).toBe('append');
      state = { count: grown.length, digest: plan.digest };
      expect(state.digest.split(':')[0]!.split('.').length).toBeLessThanOrEqual(MAX_DIGEST_SEGMENTS);
    }
    expect(planSegmentWrite(state, grown)).toMatchObject({ kind: 'append', from: grown.length });
  });
});

describe('KnownHistories', () => {
  const state = (count: number, digest = `d${count}`) => ({ count, digest });

  it('parses the remembered text on first use, into copies no caller holds', () => {
    const known = new KnownHistories();
    const list = messages(3);
    known.remember('a', state(3), textOf(list));
    const prefix = known.prefix('a', list[0])!;
    expect(prefix.messages).toEqual(list);
    expect(prefix.messages[0]).not.toBe(list[0]);
    expect(prefix.bytes).toBe(Buffer.byteLength(textOf(list)));
    expect(prefix.state).toEqual(state(3));
  });

  it('does not parse when the first message differs by value: an empty prefix, so the save rewrites', () => {
    const known = new KnownHistories();
    known.remember('a', state(3), textOf(messages(3)));
    expect(known.prefix('a', makeMessage(0, 'other'))?.messages).toEqual([]);
    expect(known.prefix('a', 1n)?.messages).toEqual([]); // not a message: no throw
    // The same first message as an application holds it (a null the wire format omits, keys in another order).
    const first = messages(1)[0] as Message;
    expect(
      known.prefix('a', { content: first.content, role: first.role, reasoning_content: null })?.messages,
    ).toHaveLength(3);
  });

  it('reads a first message with quotes, backslashes and brackets inside strings', () => {
    const known = new KnownHistories();
    const tricky: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'a "quoted" \\ } ] { [ \\" end' }] },
      ...messages(2),
    ];
    known.remember('a', state(3), textOf(tricky));
    expect(known.prefix('a', copy(tricky[0]))?.messages).toEqual(tricky);
  });

  it('extends a remembered history after an append, and keeps only the state when it was another history', () => {
    const known = new KnownHistories();
    const list = messages(4);
    known.remember('a', state(2), textOf(list.slice(0, 2)));
    known.extend('a', state(2), state(3), textOf(list.slice(2, 3)), 1);
    known.prefix('a', list[0]); // parsed from here on
    known.extend('a', state(3), state(4), textOf(list.slice(3)), 1);
    expect(known.prefix('a', list[0])).toMatchObject({ state: state(4), messages: list });
    expect(known.prefix('a', list[0])?.bytes).toBe(Buffer.byteLength(textOf(list)));
    known.extend('a', state(9), state(10), textOf(list.slice(0, 1)), 1);
    expect(known.state('a')).toEqual(state(10));
    expect(known.prefix('a', list[0])).toBeNull();
  });

  it('remembers writes: a rewrite by its text, an append verified by hashing by the stored text plus the tail', () => {
    const known = new KnownHistories();
    const list = messages(3);
    known.rememberWrite('a', null, state(2), { kind: 'append', from: 0, text: textOf(list.slice(0, 2)) }, 2);
    expect(known.prefix('a', list[0])?.messages).toEqual(list.slice(0, 2));
    known.forget('a');
    const plan = {
      kind: 'append' as const,
      from: 2,
      text: textOf(list.slice(2)),
      storedText: textOf(list.slice(0, 2)),
    };
    known.rememberWrite('a', state(2, 'other'), state(3), plan, 3);
    expect(known.prefix('a', list[0])?.messages).toEqual(list);
  });

  it('stays within its byte budget (oldest histories go first, their states stay) and its session count', () => {
    const list = messages(10);
    const text = textOf(list);
    const known = new KnownHistories({ maxBytes: text.length * 2 + 10, maxSessions: 4 });
    for (const id of ['a', 'b', 'c']) known.remember(id, state(10), text);
    expect(known.prefix('a', list[0])).toBeNull();
    expect(known.state('a')).toEqual(state(10));
    expect(known.prefix('b', list[0])?.messages).toHaveLength(10);
    expect(known.prefix('c', list[0])?.messages).toHaveLength(10);
    for (const id of ['d', 'e', 'f']) known.remember(id, state(1), null);
    expect(known.state('a')).toBeUndefined();
    expect(known.state('f')).toEqual(state(1));
    const none = new KnownHistories({ maxBytes: 0 });
    none.remember('a', state(10), text);
    expect(none.state('a')).toEqual(state(10));
    expect(none.prefix('a', list[0])).toBeNull();
  });
});
