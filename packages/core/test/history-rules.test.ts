/** The shared rules of the history operations and idempotent appends (history.ts, idempotency.ts, segment-history.ts). */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { resolveFork, resolveTruncate, resolveWindow, windowRange } from '../src/history.js';
import {
  APPEND_KEY_WINDOW,
  decodeAppendKeys,
  replayedRevision,
  resolveAppendKey,
  withAppendKey,
} from '../src/idempotency.js';
import { planTruncate } from '../src/segment-history.js';

const ctx = { backend: 'test', sessionId: 's', record: 'r' };
const text = (...ids: number[]) =>
  ids.map((i) => JSON.stringify({ role: 'user', content: [{ type: 'text', text: `${i}` }] })).join(',');

describe('windows', () => {
  it('resolve and clamp', () => {
    expect(windowRange(resolveWindow(undefined, 't'), 5)).toEqual({ from: 0, to: 5 });
    expect(windowRange(resolveWindow({ last: 2 }, 't'), 5)).toEqual({ from: 3, to: 5 });
    expect(windowRange(resolveWindow({ last: 9 }, 't'), 5)).toEqual({ from: 0, to: 5 });
    expect(windowRange(resolveWindow({ from: 4, limit: 9 }, 't'), 5)).toEqual({ from: 4, to: 5 });
    expect(windowRange(resolveWindow({ from: 7 }, 't'), 5)).toEqual({ from: 5, to: 5 });
  });

  it('refuse bad counts', () => {
    for (const bad of [{ last: -1 }, { from: 0.5 }, { from: 1, limit: '2' }, { last: 1, limit: 1 }, 3])
      expect(() => resolveWindow(bad, 't')).toThrow(InvalidArgumentError);
    expect(() => resolveTruncate(-1, undefined, 't')).toThrow(InvalidArgumentError);
    expect(() => resolveFork('a', 'a', undefined, 't')).toThrow(InvalidArgumentError);
    expect(() => resolveFork('a', 'b', { atMessage: 1.5 }, 't')).toThrow(InvalidArgumentError);
  });
});

describe('planTruncate', () => {
  const segments = [
    { start: 0, count: 2, text: text(0, 1), ref: 0 },
    { start: 2, count: 3, text: text(2, 3, 4), ref: 1 },
  ];
  it('cuts inside a segment, keeping the earlier texts as stored', () => {
    expect(planTruncate(segments, 3, 's', ctx)).toEqual({
      cut: { ref: 1, count: 1, text: text(2) },
      keptText: text(0, 1, 2),
    });
  });
  it('at a segment end the segment stays whole; keep 0 cuts everything', () => {
    expect(planTruncate(segments, 2, 's', ctx)).toEqual({
      cut: { ref: 0, count: 2, text: text(0, 1) },
      keptText: text(0, 1),
    });
    expect(planTruncate(segments, 0, 's', ctx)).toEqual({ cut: null, keptText: '' });
  });
});

describe('append keys', () => {
  const key = (k: string, m = 'm') =>
    resolveAppendKey({ idempotencyKey: k }, m, 't') as NonNullable<ReturnType<typeof resolveAppendKey>>;
  it('a remembered key answers its revision; other messages under it are refused', () => {
    const records = withAppendKey([], key('a'), 4);
    expect(replayedRevision(records, key('a'), 's', 't')).toBe(4);
    expect(replayedRevision(records, key('b'), 's', 't')).toBeNull();
    expect(() => replayedRevision(records, key('a', 'other'), 's', 't')).toThrow(InvalidArgumentError);
  });
  it(`keeps the newest ${APPEND_KEY_WINDOW}, and unreadable stored text counts as none`, () => {
    let records = withAppendKey([], key('k0'), 1);
    for (let i = 1; i <= APPEND_KEY_WINDOW; i++) records = withAppendKey(records, key(`k${i}`), i + 1);
    expect(records).toHaveLength(APPEND_KEY_WINDOW);
    expect(replayedRevision(records, key('k0'), 's', 't')).toBeNull();
    expect(replayedRevision(records, key('k1'), 's', 't')).toBe(2);
    expect(decodeAppendKeys('{oops')).toEqual([]);
    expect(decodeAppendKeys('{}')).toEqual([]);
    expect(decodeAppendKeys(JSON.stringify(records))).toEqual(records);
  });
});
