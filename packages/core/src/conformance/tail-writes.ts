/**
 * Issue: applications save their own session object, not what `load` returned (nulls where the wire format omits
 * keys, read defaults left out, keys in any order). A split store (one that keeps messages in segments and says so
 * through `rawSegments`) must still see that the stored messages are unchanged and write only the new ones: this
 * counts what reaches storage, segment by segment, from the store that wrote the history and from one that never
 * saw it.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { parseSession } from '../codec.js';
import type { Message, SessionData } from '../schema.js';
import { applicationShaped, arbitraryMessage, arbitrarySession } from './arbitraries.js';
import type { SuiteContext } from './context.js';
import { itWhen } from './support.js';

/** Messages holding an own `__proto__` key are compared conservatively (always rewritten); leave them out here. */
const plain = (doc: SessionData) => !JSON.stringify(doc.messages).includes('"__proto__"');

export function describeTailWrites(ctx: SuiteContext): void {
  const rawSegments = ctx.options.rawSegments;
  if (rawSegments === undefined) return;
  describe('writes only new messages of application-shaped sessions', () => {
    const fromChild = ctx.options.saveFromAnotherProcess;
    const modes = ['the store that wrote it', 'a store that never saw it', 'another process'] as const;
    for (const mode of modes)
      itWhen(
        mode !== 'another process' || fromChild !== undefined,
        'no saveFromAnotherProcess hook',
        `save(+k messages) from ${mode} adds one segment of exactly the k new messages (property)`,
        async () => {
          const { store, namespace } = await ctx.fresh();
          const reader = mode === 'the store that wrote it' ? store : await ctx.reopen(namespace);
          const save = async (doc: unknown) => {
            if (mode === 'another process')
              await fromChild?.(
                namespace,
                doc,
                ctx.options.encryption ? { encryption: ctx.options.encryption } : undefined,
              );
            else await reader.save(doc as SessionData);
          };
          let run = 0;
          await fc.assert(
            fc.asyncProperty(
              arbitrarySession('tail').filter(plain),
              fc.array(arbitraryMessage, { maxLength: 4 }),
              fc.integer(),
              fc.integer(),
              async (base, added, seed1, seed2) => {
                const id = `tail-${run++}`;
                const first: SessionData = { ...base, id };
                await store.save(applicationShaped(first, seed1));
                const before = await rawSegments(namespace, id);
                const grown = parseSession({ ...first, messages: [...first.messages, ...added] });
                fc.pre(plain(grown));
                await save(applicationShaped(grown, seed2));
                const after = await rawSegments(namespace, id);
                // The stored segments are left exactly as they were…
                expect(after.slice(0, before.length)).toEqual(before);
                const tail = grown.messages.slice(first.messages.length) as Message[];
                if (tail.length === 0) expect(after).toHaveLength(before.length);
                else {
                  // …and one new segment holds the new messages, and nothing else.
                  expect(after).toHaveLength(before.length + 1);
                  const text = ctx.plainSegment(after.at(-1) as string, id);
                  expect(JSON.parse(`[${text}]`)).toEqual(tail);
                  expect(Buffer.byteLength(text)).toBe(Buffer.byteLength(JSON.stringify(tail).slice(1, -1)));
                }
                expect(await reader.load(id)).toEqual(grown);
              },
            ),
            // A process start costs about a second here: a few cases that way, many in process.
            { numRuns: mode === 'another process' ? 3 : ctx.runs(25) },
          );
        },
        120_000,
      );
  });
}
