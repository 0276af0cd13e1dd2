/** DESIGN.md "Ids": every valid id is stored under a key of its own, and list() returns the ids themselves. */
import { describe, expect, it } from 'vitest';
import { InvalidSessionIdError } from '../errors.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { rejectionOf } from './support.js';

const sharedPrefix = 'p'.repeat(200);

/** Ids that break naive backends: path tricks, glob and key syntax, reserved names, long and look-alike ids. */
export const HOSTILE_IDS: readonly string[] = [
  '../../etc/passwd',
  'a/b',
  'a_b',
  'a%2Fb',
  'a\\b',
  '*',
  '?',
  '[x]',
  '{x}',
  '{tag}suffix',
  'key:with:colons',
  '.',
  '..',
  '.hidden',
  'CON',
  'nul',
  'Ab',
  'aB',
  ' leading and trailing ',
  'x'.repeat(255),
  `${sharedPrefix}${'a'.repeat(55)}`,
  `${sharedPrefix}${'b'.repeat(55)}`,
  '€'.repeat(85), // 255 bytes of 3-byte characters
  '😀'.repeat(63), // 252 bytes of 4-byte characters
  '~tilde',
  '~~double',
  'sess.json',
  'trailing.',
  'emoji-🙂-id',
  '名前',
  '\u00a0nbsp', // U+00A0 is not a control character
  '\u2028',
];

export const INVALID_IDS: readonly [string, unknown][] = [
  ['the empty string', ''],
  ['256 bytes', 'y'.repeat(256)],
  ['256 bytes of 2-byte characters', 'é'.repeat(128)],
  ['a NUL character', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['DEL', 'a\u007fb'],
  ['a C1 control', 'a\u0085b'],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', '\udc00'],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['an object', { id: 'x' }],
];

export function describeIds(ctx: SuiteContext): void {
  describe('ids', () => {
    it('hostile ids each round-trip under their own key and list shows them exactly', async () => {
      const { store } = await ctx.fresh();
      for (const id of HOSTILE_IDS) await store.save(makeSession(id, { name: `name of ${id}` }));
      for (const id of HOSTILE_IDS) {
        const back = await store.load(id);
        expect(back?.id).toBe(id);
        expect(back?.config.name).toBe(`name of ${id}`);
        expect(await store.exists(id)).toBe(true);
      }
      expect([...(await store.list())].sort()).toEqual([...HOSTILE_IDS].sort());
      const listed: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listSessions({ limit: 7, cursor });
        listed.push(...page.sessions.map((s) => s.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(listed.sort()).toEqual([...HOSTILE_IDS].sort());
    }, 60_000);

    it('look-alike ids do not collide: deleting or changing one leaves the others', async () => {
      const { store } = await ctx.fresh();
      const group = ['a/b', 'a_b', 'a%2Fb', 'Ab', 'aB', '.', '..', '~tilde'];
      for (const id of group) await store.save(makeSession(id, { name: id }));
      await store.appendMessages('a/b', [makeMessage(0, 'only in a/b')]);
      expect(await store.delete('a_b')).toBe(true);
      expect(await store.exists('a_b')).toBe(false);
      for (const id of group.filter((x) => x !== 'a_b')) {
        const back = await store.get(id);
        expect(back?.session.config.name).toBe(id);
        expect(back?.session.messages.length).toBe(id === 'a/b' ? 3 : 2);
      }
      expect([...(await store.list())].sort()).toEqual(group.filter((x) => x !== 'a_b').sort());
    });

    it('invalid ids throw InvalidSessionIdError from every method and write nothing', async () => {
      const { store } = await ctx.fresh();
      for (const [what, id] of INVALID_IDS) {
        const calls: [string, () => Promise<unknown>][] = [
          ['load', () => store.load(id as string)],
          ['get', () => store.get(id as string)],
          ['exists', () => store.exists(id as string)],
          ['delete', () => store.delete(id as string)],
          ['appendMessages', () => store.appendMessages(id as string, [makeMessage(0)])],
        ];
        // A fixed name: the id must be what is refused, not a name built from it (a lone surrogate there is a field error).
        if (typeof id === 'string') calls.push(['save', () => store.save(makeSession(id, { name: 'invalid id' }))]);
        for (const [method, call] of calls) {
          const error = await rejectionOf(call());
          expect(error, `${method} with ${what}`).toBeInstanceOf(InvalidSessionIdError);
        }
      }
      expect(await store.list()).toEqual([]);
    });
  });
}
