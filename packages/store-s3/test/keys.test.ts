/** The key layout: order-preserving names, distinct keys for every id, segments short enough for MinIO/s3rver. */
import { compareIds, isValidSessionId } from '@agent-sessions/core/adapter';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invertTime, KeyLayout, sortableDecode, sortableEncode } from '../src/keys.js';

const HOSTILE_IDS = [
  '../../etc/passwd',
  'a/b',
  'a_b',
  'a%2Fb',
  '.',
  '..',
  'Ab',
  'aB',
  'x'.repeat(255),
  `${'p'.repeat(200)}${'a'.repeat(55)}`,
  `${'p'.repeat(200)}${'b'.repeat(55)}`,
  '€'.repeat(85),
  '😀'.repeat(63),
  'y'.repeat(100),
  'y'.repeat(101),
  '~tilde',
  '~~double',
  'sess.json',
  '名前',
];
const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const layout = new KeyLayout('some/prefix/');
const validId = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).filter(isValidSessionId);

describe('sortable encoding', () => {
  it('round-trips bytes and keeps their order (string order = byte order)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        expect(sortableDecode(sortableEncode(a))).toEqual(Buffer.from(a));
        const encoded = sign(
          sortableEncode(a) < sortableEncode(b) ? -1 : sortableEncode(a) > sortableEncode(b) ? 1 : 0,
        );
        expect(encoded).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 500 },
    );
  });

  it('uses only characters above "." so a shorter name sorts first even with a file suffix appended', () => {
    expect(sortableEncode(Buffer.from([0, 255, 128, 7]))).toMatch(/^[0-9A-Z_a-z~]+$/);
    expect([...'0Z_az~'].every((c) => c > '.')).toBe(true);
  });

  it('refuses text it cannot have produced', () => {
    for (const bad of ['!', 'a.b', '01']) expect(sortableDecode(bad)).toBeNull();
  });
});

describe('time inversion', () => {
  it('is fixed-width and sorts newest first over the whole safe-integer range', () => {
    const times = [-Number.MAX_SAFE_INTEGER, -1, 0, 1, 1_700_000_000, Number.MAX_SAFE_INTEGER];
    const inverted = times.map(invertTime);
    expect(new Set(inverted.map((t) => t.length))).toEqual(new Set([17]));
    expect([...inverted].sort()).toEqual([...inverted].reverse());
  });
});

describe('KeyLayout', () => {
  it('gives every hostile id its own document key and index keys, each path segment under 240 bytes', () => {
    const docs = new Set<string>();
    const markers = new Set<string>();
    for (const id of HOSTILE_IDS) {
      const key = layout.documentKey(id);
      docs.add(key);
      expect(key.startsWith('some/prefix/')).toBe(true);
      expect(key.slice('some/prefix/'.length)).not.toContain('/');
      const [main, child] = layout.indexKeys(id, 1_700_000_000, 'ypeBEsobvcr6wjGzmiPcTaeG7_gUfE5yuYB3ha_uSLs');
      for (const k of [key, main as string, child as string])
        for (const segment of k.split('/')) expect(Buffer.byteLength(segment)).toBeLessThan(240);
      markers.add(main as string);
    }
    expect(docs.size).toBe(HOSTILE_IDS.length);
    expect(markers.size).toBe(HOSTILE_IDS.length);
  });

  it('keeps core encodeIdSegment names for ids up to 100 bytes, and parses them back', () => {
    expect(layout.documentKey('abc')).toBe('some/prefix/abc.json');
    expect(layout.documentKey('a/b')).toBe(`some/prefix/~${Buffer.from('a/b').toString('base64url')}.json`);
    expect(layout.parseDocumentKey('some/prefix/abc.json')).toEqual({ kind: 'id', id: 'abc' });
    const long = 'x'.repeat(101);
    expect(layout.documentKey(long)).toMatch(/^some\/prefix\/~~[0-9a-f]{64}\.json$/);
    expect(layout.parseDocumentKey(layout.documentKey(long))?.kind).toBe('hashed');
    for (const foreign of ['some/prefix/readme.txt', 'other/abc.json', 'some/prefix/~!!.json'])
      expect(layout.parseDocumentKey(foreign)).toBeNull();
  });

  it('index keys sort in listing order (updated_at desc, id asc in UTF-8 byte order) and parse back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: validId, updated_at: fc.integer({ min: -5, max: 5 }) }), { maxLength: 30 }),
        (rows) => {
          const base = layout.indexPrefix(null);
          const byKey = rows
            .map((r) => ({ ...r, key: layout.indexKeys(r.id, r.updated_at, null)[0] as string }))
            .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
          for (let i = 1; i < byKey.length; i++) {
            const a = byKey[i - 1]!;
            const b = byKey[i]!;
            const expected = b.updated_at - a.updated_at || compareIds(a.id, b.id);
            expect(expected).toBeLessThanOrEqual(0);
          }
          for (const r of byKey) {
            const parsed = layout.parseIndexKey(base, r.key);
            expect(parsed).toMatchObject({ id: r.id, updatedAt: r.updated_at, hash: null });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('long ids keep a sortable head and a hash; a cursor on one restarts at its group', () => {
    const base = layout.indexPrefix(null);
    const a = `${'p'.repeat(200)}${'a'.repeat(55)}`;
    const key = layout.indexKeys(a, 7, null)[0] as string;
    const parsed = layout.parseIndexKey(base, key);
    expect(parsed?.id).toBeNull();
    expect(parsed?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.startsWith(layout.startAfter(base, { updated_at: 7, id: a }))).toBe(true);
    expect(key > layout.startAfter(base, { updated_at: 7, id: a })).toBe(true);
    expect(layout.parseIndexKey(base, `${base}garbage`)).toBeNull();
  });
});
