import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareIds,
  decodeCursor,
  decodeIdSegment,
  documentName,
  encodeCursor,
  encodeIdSegment,
  InvalidArgumentError,
  isValidSessionId,
  parseDocumentName,
} from '../src/adapter.js';
import { resolveListQuery } from '../src/listing.js';

const validId = fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }).filter(isValidSessionId);

describe('id encodings', () => {
  it('plain ids keep their a3s-code file name; others are encoded', () => {
    expect(documentName('test-session-1')).toBe('test-session-1.json');
    expect(documentName('b7e3c9a2-41d5.4f0e_X')).toBe('b7e3c9a2-41d5.4f0e_X.json');
    expect(documentName('a/b')).toBe(`~${Buffer.from('a/b').toString('base64url')}.json`);
    for (const id of ['.', '..', '.hidden', 'a..b', '~x', 'CON ', 'a b'])
      expect(documentName(id).startsWith('~')).toBe(true);
  });

  it('hashed names are ~~<sha256 of the id>.json, and parse back as hashed', () => {
    const id = 'é'.repeat(127);
    const name = documentName(id, true);
    expect(name).toBe(`~~${createHash('sha256').update(id).digest('hex')}.json`);
    expect(parseDocumentName(name)).toEqual({ kind: 'hashed', hash: name.slice(2, 66) });
    expect(parseDocumentName(documentName(id))).toEqual({ kind: 'id', id });
  });

  it('every valid id has exactly one segment, and decoding is its inverse (property)', () => {
    fc.assert(
      fc.property(validId, (id) => {
        const segment = encodeIdSegment(id);
        expect(decodeIdSegment(segment)).toBe(id);
        expect(segment).toMatch(/^[A-Za-z0-9._~-]+$/);
        expect(segment.startsWith('.')).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('foreign names are not sessions', () => {
    for (const name of [
      'x.json.123.456.tmp',
      'readme.txt',
      '~!!.json',
      '~~short.json',
      '.hidden.json',
      `~${Buffer.from('ok').toString('base64url')}.json`,
    ])
      expect(parseDocumentName(name)).toBeNull();
  });
});

describe('listing rules', () => {
  it('compareIds is UTF-8 byte order (property)', () => {
    fc.assert(
      fc.property(validId, validId, (a, b) => {
        expect(Math.sign(compareIds(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 1000 },
    );
  });

  it('cursors round-trip and refuse tampering', () => {
    const position = { updated_at: 1_700_000_000, id: 'a/b 😀' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(() => decodeCursor(`${encodeCursor(position)}x!`)).toThrow(InvalidArgumentError);
    expect(() => decodeCursor(`c1.${Buffer.from('[1.5,"x"]').toString('base64url')}`)).toThrow(InvalidArgumentError);
  });

  it('resolveListQuery applies defaults and bounds', () => {
    expect(resolveListQuery(undefined)).toEqual({ limit: 50, after: null, parentId: null, strict: false });
    expect(resolveListQuery({ limit: 1000, parentId: 'p', strict: true })).toEqual({
      limit: 1000,
      after: null,
      parentId: 'p',
      strict: true,
    });
    for (const bad of [{ limit: 0 }, { limit: 1001 }, { parentId: 3 }, 'x'])
      expect(() => resolveListQuery(bad as never)).toThrow(InvalidArgumentError);
  });
});
