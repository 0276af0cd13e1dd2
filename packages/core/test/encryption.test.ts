/** The cipher under every store's encryption option: sealing, binding to the session and part, keys, mixed segments. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EncryptionKeyError,
  firstSealedSegment,
  InvalidArgumentError,
  isSealed,
  SessionCipher,
  SessionCorruptError,
  sealedKeyId,
} from '../src/adapter.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const cipher = (keys = [k1]) => new SessionCipher({ keys }, () => 'test');
const text = JSON.stringify({ role: 'user', content: [{ type: 'text', text: 'héllo, "world" \u{1F600}' }] });

describe('SessionCipher', () => {
  it('round-trips text, with a fresh IV each time, in a form with no comma, quote or space', () => {
    const a = cipher().seal(text, 's1', 'segment');
    const b = cipher().seal(text, 's1', 'segment');
    expect(a).not.toBe(b);
    expect(isSealed(a)).toBe(true);
    expect(sealedKeyId(a)).toBe('k1');
    expect(a).toMatch(/^asenc1\.k1\.[A-Za-z0-9_-]+$/);
    expect(cipher().open(a, 's1', 'segment', 'rec')).toBe(text);
    expect(cipher().open(`${a}\n \t`, 's1', 'segment', 'rec')).toBe(text);
  });

  it('text in clear is returned as it is (records written before encryption was turned on)', () => {
    expect(cipher().open(text, 's1', 'document', 'rec')).toBe(text);
  });

  it('a record copied under another id, or used as another part, does not open: SessionCorruptError naming it', () => {
    const sealed = cipher().seal(text, 's1', 'document');
    for (const [id, part] of [
      ['s2', 'document'],
      ['s1', 'head'],
    ] as const) {
      const error = (() => {
        try {
          cipher().open(sealed, id, part, 'the-record');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(SessionCorruptError);
      expect((error as SessionCorruptError).record).toBe('the-record');
    }
  });

  it('tampering or truncation is SessionCorruptError; an unknown key id is EncryptionKeyError naming it', () => {
    const sealed = cipher().seal(text, 's1', 'document');
    const flipped = sealed.slice(0, -5) + (sealed.at(-5) === 'A' ? 'B' : 'A') + sealed.slice(-4);
    expect(() => cipher().open(flipped, 's1', 'document', 'r')).toThrow(SessionCorruptError);
    expect(() => cipher().open(sealed.slice(0, 20), 's1', 'document', 'r')).toThrow(SessionCorruptError);
    expect(() => cipher([k2]).open(sealed, 's1', 'document', 'r')).toThrow(EncryptionKeyError);
    expect(() => cipher([k2]).open(sealed, 's1', 'document', 'r')).toThrow(/"k1"/);
  });

  it('rotation: the first key seals, any listed key opens', () => {
    const old = cipher([k1]).seal(text, 's', 'head');
    const rotatedCipher = cipher([k2, k1]);
    expect(rotatedCipher.open(old, 's', 'head', 'r')).toBe(text);
    expect(sealedKeyId(rotatedCipher.seal(text, 's', 'head'))).toBe('k2');
  });

  it('opens comma-joined segments, clear ones (even holding the marker inside a string) mixed with sealed ones', () => {
    const c = cipher();
    const clear = `${text},{"role":"user","content":[{"type":"text","text":"x,asenc1.k1.AAAA"}]}`;
    const sealed = c.seal(text, 's', 'segment');
    expect(firstSealedSegment(clear)).toBe(-1);
    expect(c.openSegments(clear, 's', 'r')).toBe(clear);
    const mixed = `${clear},${sealed},${sealed}`;
    expect(firstSealedSegment(mixed)).toBe(clear.length + 1);
    expect(c.openSegments(mixed, 's', 'r')).toBe(`${clear},${text},${text}`);
    expect(c.openSegments(`${sealed},${clear}`, 's', 'r')).toBe(`${text},${clear}`);
  });

  it('refuses bad options with InvalidArgumentError saying what is wrong', () => {
    const bad = (options: unknown) => () => new SessionCipher(options as never, () => 'test');
    expect(bad({ keys: [] })).toThrow(InvalidArgumentError);
    expect(bad({ keys: [{ id: 'k', key: randomBytes(16) }] })).toThrow(/32 bytes/);
    expect(bad({ keys: [{ id: 'a.b', key: randomBytes(32) }] })).toThrow(/key id/);
    expect(bad({ keys: [k1, k1] })).toThrow(/twice/);
  });
});
