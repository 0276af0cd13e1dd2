/**
 * Hostile ids, fuzzed: separators, glob, regex and hash-tag characters, percent signs, astral and combining
 * characters, control characters and lone surrogates, 254/255/256-byte lengths, case pairs. Each valid id round-trips
 * under a key of its own (no two collide), each invalid one is InvalidSessionIdError, and nothing appears outside the
 * store's folder, prefix, table or bucket.
 */
import { InvalidSessionIdError, type SessionData, type SessionStore } from '@agent-sessions/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../namespace.js';
import { baseSession } from './model.js';

/** DESIGN.md's id rule, written out independently of core: 1 to 255 UTF-8 bytes, well-formed, no C0, DEL or C1. */
export function idRuleAllows(id: string): boolean {
  return (
    id.length > 0 &&
    id.isWellFormed() &&
    Buffer.byteLength(id, 'utf8') <= 255 &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is about exactly these characters
    !/[\u0000-\u001f\u007f-\u009f]/.test(id)
  );
}

const PIECES = [
  ...['/', '\\', ':', '::', '.', '..', '../', '_', '-', '~', '~~', ' ', '\u00a0', '\t'],
  ...['*', '?', '[', ']', '[!a]', '{', '}', '{tag}', '{}', '**/'],
  ...['^', '$', '+', '(', ')', '|', '.*', '\\d', '(?:'],
  ...['%', '%2F', '%2e%2e', '%00', '%%', '#', '&', '=', "'", '"', ';', '--', '`', '<', '>', '\u2028'],
  ...['😀', '𝔘', '🏳️‍🌈', 'e\u0301', '\u0301', '\u200d', '\u202e', '名前', 'é', 'ß', 'İ', 'ǅ'],
  ...['a', 'A', 'b', 'B', 'z', 'Z', '0', '9', 'json', '.json', 'CON', 'nul'],
  ...['\u0000', '\n', '\u007f', '\u0085', '\ud800', '\udc00'],
];

const pieced = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 12 }).map((p) => p.join(''));

/** An id of exactly `bytes` UTF-8 bytes: `unit` repeated, then ASCII to fill. */
function ofBytes(bytes: number, unit: string): string {
  let id = '';
  while (Buffer.byteLength(id + unit) <= bytes) id += unit;
  return id + 'x'.repeat(bytes - Buffer.byteLength(id));
}

const sized = fc
  .tuple(fc.constantFrom(254, 255, 256), fc.constantFrom('a', 'é', '€', '😀', 'e\u0301', '/', '%', '{t}'))
  .map(([bytes, unit]) => ofBytes(bytes, unit));

const swapCase = (id: string) =>
  [...id].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

/** A batch of distinct ids, with the other-case twin of each one that has letters. */
export const hostileIdBatch = fc
  .uniqueArray(fc.oneof({ arbitrary: pieced, weight: 4 }, { arbitrary: sized, weight: 1 }), {
    minLength: 4,
    maxLength: 12,
  })
  .map((ids) => [...new Set(ids.flatMap((id) => [id, swapCase(id)]))]);

/** A session whose id may break the id rule (createSession would refuse it). */
function sessionWithId(id: string, name: string): SessionData {
  return { ...baseSession('placeholder', name), id };
}

export interface HostileIdOptions {
  create(namespace: string): Promise<SessionStore>;
  /**
   * What the backend holds outside this namespace's folder, prefix, table or bucket prefix (file names, keys, table
   * names): compared before and after each batch, so anything a hostile id put outside shows up.
   */
  outside(namespace: string): Promise<string[]>;
  cleanup?(namespace: string): Promise<void>;
  /** Batches; default 40. */
  runs?: number;
  report?(line: string): void;
  timeoutMs?: number;
}

export function describeHostileIds(name: string, options: HostileIdOptions): void {
  const report = options.report ?? ((line: string) => console.info(`[hostile-ids] ${name}: ${line}`));
  describe(`${name}: hostile ids (fast-check)`, () => {
    it(
      'each valid id round-trips under a key of its own, each invalid one is InvalidSessionIdError, nothing escapes',
      async () => {
        const namespace = uniqueNamespace('ids');
        const store = await options.create(namespace);
        let valid = 0;
        let invalid = 0;
        try {
          // A health check makes what the store needs (its folder, tables, bucket) before the first look outside.
          await store.healthCheck();
          const outsideBefore = (await options.outside(namespace)).sort();
          await fc.assert(
            fc.asyncProperty(hostileIdBatch, async (ids) => {
              // A run that failed (then shrinking) leaves its ids: start each run from an empty namespace.
              for (const id of await store.list()) await store.delete(id);
              const good = ids.filter(idRuleAllows);
              for (const [i, id] of ids.entries()) {
                if (good.includes(id)) {
                  await store.save(sessionWithId(id, `n${i}`));
                  continue;
                }
                for (const call of [
                  () => store.save(sessionWithId(id, `n${i}`)),
                  () => store.load(id),
                  () => store.exists(id),
                  () => store.delete(id),
                ])
                  await expect(call(), JSON.stringify(id)).rejects.toBeInstanceOf(InvalidSessionIdError);
              }
              // Every id under its own key: each one's own document comes back, so none overwrote another.
              for (const id of good) {
                const back = await store.load(id);
                expect(back?.id, JSON.stringify(id)).toBe(id);
                expect(back?.config.name, JSON.stringify(id)).toBe(`n${ids.indexOf(id)}`);
              }
              expect([...(await store.list())].sort()).toEqual([...good].sort());
              const listed = (await store.listSessions({ limit: 1000 })).sessions.map((s) => s.id);
              expect(listed.sort()).toEqual([...good].sort());
              expect((await options.outside(namespace)).sort()).toEqual(outsideBefore);
              for (const id of good) expect(await store.delete(id), JSON.stringify(id)).toBe(true);
              expect(await store.list()).toEqual([]);
              valid += good.length;
              invalid += ids.length - good.length;
            }),
            { numRuns: options.runs ?? 40 },
          );
        } finally {
          await store.close();
          await options.cleanup?.(namespace);
        }
        report(`${valid + invalid} ids (${valid} valid, ${invalid} invalid): 0 collisions, nothing outside`);
      },
      options.timeoutMs ?? 120_000,
    );
  });
}
