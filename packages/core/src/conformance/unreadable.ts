/**
 * A record another program damaged (a truncated file, an edited row) is an error about that record only: `load`
 * names it, a listing goes on around it (and reports it), `appendMessages` refuses to add to it, and a save replaces
 * it. Runs when the adapter can damage a record (`damage`).
 */
import { describe, expect } from 'vitest';
import { SessionCorruptError } from '../errors.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { itWhen, rejectionOf } from './support.js';

export function describeUnreadable(ctx: SuiteContext): void {
  const damage = ctx.options.damage;
  describe('a damaged record', () => {
    itWhen(
      damage !== undefined,
      'no damage hook',
      'load names it; listing goes around it and reports it; appendMessages refuses it; a save replaces it',
      async () => {
        const { store, namespace } = await ctx.fresh();
        for (const id of ['good-1', 'bad', 'good-2']) await store.save(makeSession(id, { messages: 2 }));
        await damage?.(namespace, 'bad');
        // A store that never read or wrote it, as another process would be.
        const other = await ctx.reopen(namespace);
        const loaded = await rejectionOf(other.load('bad'));
        expect(loaded).toBeInstanceOf(SessionCorruptError);
        expect(await other.load('good-1')).toEqual(makeSession('good-1', { messages: 2 }));

        const page = await other.listSessions();
        const listed = page.sessions.map((s) => s.id);
        expect(listed).toEqual(expect.arrayContaining(['good-1', 'good-2']));
        // Listed from summary fields kept apart from the document, or reported as unreadable: never both, never lost.
        const reported = page.unreadable.filter(
          (u) => u.id === 'bad' || u.record === (loaded as SessionCorruptError).record,
        );
        expect(listed.includes('bad') ? 0 : 1, JSON.stringify(page.unreadable)).toBe(reported.length);
        for (const u of page.unreadable) expect(u.error).toBeInstanceOf(SessionCorruptError);
        if (page.unreadable.length > 0)
          expect(await rejectionOf(other.listSessions({ strict: true }))).toBeInstanceOf(SessionCorruptError);
        else expect(await other.listSessions({ strict: true })).toEqual(page);

        const appended = await rejectionOf(other.appendMessages('bad', [makeMessage(2)]));
        expect(appended).toBeInstanceOf(SessionCorruptError);
        expect(await rejectionOf(other.load('bad'))).toBeInstanceOf(SessionCorruptError);

        const repaired = makeSession('bad', { messages: 3 });
        await other.save(repaired);
        expect(await other.load('bad')).toEqual(repaired);
        expect((await other.listSessions()).unreadable).toEqual([]);
      },
    );
  });
}
