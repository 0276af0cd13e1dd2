import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSession } from '../src/codec.js';
import type { Message } from '../src/schema.js';
import {
  appendedSegmentBytes,
  digestSegment,
  documentBytesOf,
  headJsonOf,
  joinSession,
  planOverStoredText,
  planSegmentWrite,
  segmentText,
} from '../src/segments.js';

const rich = parseSession(JSON.parse(readFileSync(new URL('../fixtures/a3s/rich.json', import.meta.url), 'utf8')));
const ms = (k: number) => rich.messages.slice(0, k);
const state = (list: readonly Message[]) => ({ count: list.length, digest: planSegmentWrite(null, list).digest });

describe('segment planning', () => {
  it('appends only the tail when the stored prefix is unchanged; planning the result again writes nothing', () => {
    const plan = planSegmentWrite(state(ms(4)), ms(6));
    expect(plan).toMatchObject({ kind: 'append', from: 4, text: segmentText(ms(6), 4) });
    expect(planSegmentWrite({ count: 6, digest: plan.digest }, ms(6))).toMatchObject({
      kind: 'append',
      from: 6,
      text: '',
    });
    expect(planSegmentWrite(null, ms(3))).toMatchObject({ kind: 'append', from: 0, text: segmentText(ms(3)) });
    expect(planSegmentWrite(null, [])).toMatchObject({ kind: 'append', text: '', messagesBytes: 0, digest: '' });
  });

  it('rewrites on an edit in the prefix, a truncation or a compaction', () => {
    const edited = ms(6).map((m) => structuredClone(m));
    (edited[1]!.content[0] as { text?: string }).text = 'edited';
    expect(planSegmentWrite(state(ms(4)), edited)).toMatchObject({
      kind: 'rewrite',
      from: 0,
      text: segmentText(edited),
    });
    expect(planSegmentWrite(state(ms(4)), ms(2)).kind).toBe('rewrite');
    expect(planSegmentWrite(state(ms(4)), [ms(6)[5]!, ...ms(4)]).kind).toBe('rewrite');
  });

  it('marks a rewrite unverified only when the stored messages could still be a prefix by value', () => {
    const edited = ms(6).map((m) => structuredClone(m));
    (edited[0]!.content[0] as { text?: string }).text = 'edited';
    expect(planSegmentWrite(state(ms(4)), edited).unverified).toBe(true);
    expect(planSegmentWrite(state(ms(4)), ms(3)).unverified).toBeUndefined(); // shorter: no prefix
    // A check against the stored state settles it: the values differ.
    const check = { state: state(ms(4)), unchanged: 0, bytes: 0 };
    expect(planSegmentWrite(state(ms(4)), edited, check).unverified).toBeUndefined();
  });

  it('the digest depends on segment boundaries, not just on the text', () => {
    expect(digestSegment('ab', 2)).not.toBe(digestSegment('a', 1, digestSegment('b', 1)));
    expect(digestSegment(segmentText(ms(2)), 2)).toBe(planSegmentWrite(null, ms(2)).digest);
  });

  it('appends chain segments; a save that verifies them by hashing compacts the digest to two', () => {
    let digest = planSegmentWrite(null, ms(2)).digest;
    digest = digestSegment(segmentText(ms(3), 2), 1, digest);
    digest = digestSegment(segmentText(ms(4), 3), 1, digest);
    expect(digest.split(':')[0]).toBe('2.3.4');
    const plan = planSegmentWrite({ count: 4, digest }, ms(5));
    expect(plan).toMatchObject({ kind: 'append', from: 4, storedText: segmentText(ms(4)) });
    expect(plan.digest.split(':')[0]).toBe('4.5');
    expect(planSegmentWrite({ count: 5, digest: plan.digest }, ms(6))).toMatchObject({ kind: 'append', from: 5 });
    for (let i = 0; i < 4; i++) {
      const edited = ms(5).map((m) => structuredClone(m));
      edited[i] = { role: 'user', content: [{ type: 'text', text: 'x' }] };
      expect(planSegmentWrite({ count: 4, digest }, edited).kind, `edit at ${i}`).toBe('rewrite');
    }
  });

  it('a digest that does not match the count, or is not ours, means rewrite', () => {
    expect(planSegmentWrite({ count: 2, digest: state(ms(3)).digest }, ms(3)).kind).toBe('rewrite');
    expect(planSegmentWrite({ count: 2, digest: 'garbage' }, ms(3)).kind).toBe('rewrite');
    expect(planSegmentWrite({ count: 2, digest: '2.1:x' }, ms(3)).kind).toBe('rewrite');
  });

  it('an append over a stored text equal by value keeps that text and rebuilds the digest from it', () => {
    // The stored text of an older writer: same values, keys in another order.
    const reordered = ms(4)
      .map((m) => JSON.stringify({ content: m.content, role: m.role }))
      .join(',');
    const stored = { count: 4, digest: digestSegment(reordered, 4) };
    expect(planSegmentWrite(stored, ms(6))).toMatchObject({ kind: 'rewrite', unverified: true });
    const plan = planOverStoredText(stored, ms(6), reordered);
    expect(plan).toMatchObject({ kind: 'append', from: 4, text: segmentText(ms(6), 4), storedText: reordered });
    expect(plan.digest).toBe(digestSegment(segmentText(ms(6), 4), 2, digestSegment(reordered, 4)));
    expect(plan.messagesBytes).toBe(Buffer.byteLength(`${reordered},${segmentText(ms(6), 4)}`));
  });
});

describe('sizes and the head', () => {
  it('documentBytesOf and appendedSegmentBytes give the UTF-8 length of the whole JSON', () => {
    for (const k of [0, 1, 6]) {
      const doc = { ...rich, messages: ms(k) };
      const plan = planSegmentWrite(null, doc.messages);
      expect(documentBytesOf(headJsonOf(doc), plan.messagesBytes), `${k}`).toBe(Buffer.byteLength(JSON.stringify(doc)));
    }
    const base = { ...rich, messages: ms(1) };
    const grown = documentBytesOf(headJsonOf(base), Buffer.byteLength(segmentText(ms(1))));
    expect(grown + appendedSegmentBytes(segmentText(ms(6), 1), 5, 1)).toBe(
      Buffer.byteLength(JSON.stringify({ ...rich, messages: ms(6) })),
    );
    expect(appendedSegmentBytes('', 0, 3)).toBe(0);
  });

  it('join gives back the document with its key order, and keeps a top-level __proto__ key as data', () => {
    const parts = (doc: typeof rich) =>
      joinSession(JSON.parse(headJsonOf(doc)), JSON.parse(`[${segmentText(doc.messages)}]`) as Message[]);
    const joined = parts(rich);
    expect(joined).toEqual(rich);
    expect(Object.keys(joined)).toEqual(Object.keys(rich));
    const withProto = parseSession(JSON.parse(JSON.stringify(rich).replace('{"id"', '{"__proto__":{"x":1},"id"')));
    const back = parts(withProto);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ x: 1 });
    expect(back).toEqual(withProto);
  });
});
