/** DESIGN.md "Revisions": a counter per session, optimistic checks that are atomic with the write. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, SessionConflictError, SessionNotFoundError } from '../errors.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { itWhen, rejectionOf } from './support.js';

export function describeRevisions(ctx: SuiteContext): void {
  const atomic = ctx.caps.atomicRevisions;
  const noAtomic = 'atomicRevisions: false (the server ignores conditional writes)';

  describe('revisions', () => {
    it('first save is 1 and each save adds 1', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('rev');
      for (let i = 1; i <= 5; i++) {
        expect(await store.save({ ...doc, updated_at: doc.updated_at + i })).toEqual({ revision: i });
        expect((await store.get('rev'))?.revision).toBe(i);
      }
      const listed = await store.listSessions();
      expect(listed.sessions[0]?.revision).toBe(5);
    });

    it('a stale expectedRevision throws SessionConflictError with the current revision and writes nothing', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('stale');
      await store.save(doc);
      await store.save(doc, { expectedRevision: 1 });
      const error = await rejectionOf(
        store.save({ ...doc, config: { ...doc.config, name: 'lost' } }, { expectedRevision: 1 }),
      );
      expect(error).toBeInstanceOf(SessionConflictError);
      expect((error as SessionConflictError).currentRevision).toBe(2);
      expect((error as SessionConflictError).expectedRevision).toBe(1);
      expect((error as SessionConflictError).sessionId).toBe('stale');
      expect(await store.get('stale')).toEqual({ session: doc, revision: 2 });
    });

    it('expectedRevision 0 creates, and conflicts when the id exists', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('create');
      expect(await store.save(doc, { expectedRevision: 0 })).toEqual({ revision: 1 });
      const error = await rejectionOf(store.save({ ...doc, state: 'Error' }, { expectedRevision: 0 }));
      expect(error).toBeInstanceOf(SessionConflictError);
      expect((error as SessionConflictError).currentRevision).toBe(1);
      expect((await store.load('create'))?.state).toBe('Active');
    });

    it('expectedRevision on a missing id conflicts with currentRevision null', async () => {
      const { store } = await ctx.fresh();
      const error = await rejectionOf(store.save(makeSession('missing'), { expectedRevision: 3 }));
      expect(error).toBeInstanceOf(SessionConflictError);
      expect((error as SessionConflictError).currentRevision).toBeNull();
      expect(await store.exists('missing')).toBe(false);
    });

    it('a bad expectedRevision throws InvalidArgumentError', async () => {
      const { store } = await ctx.fresh();
      for (const bad of [-1, 1.5, '1', Number.NaN, null]) {
        const error = await rejectionOf(store.save(makeSession('badrev'), { expectedRevision: bad as number }));
        expect(error).toBeInstanceOf(InvalidArgumentError);
      }
      expect(await store.exists('badrev')).toBe(false);
    });

    it('a delete ends the history: a re-created session starts again at 1', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('again');
      await store.save(doc);
      await store.save(doc);
      expect(await store.delete('again')).toBe(true);
      expect(await store.save(doc, { expectedRevision: 0 })).toEqual({ revision: 1 });
    });

    itWhen(atomic, noAtomic, '20 concurrent saves with the same expectedRevision: exactly one wins', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('race');
      await store.save(doc);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.save({ ...doc, config: { ...doc.config, name: `writer ${i}` } }, { expectedRevision: 1 }),
        ),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(SessionConflictError);
      const stored = await store.get('race');
      expect(stored?.revision).toBe(2);
      expect(stored?.session.config.name).toBe(`writer ${won[0]}`);
    });

    itWhen(
      atomic && ctx.caps.concurrentWriters,
      'atomicRevisions or concurrentWriters is false',
      'concurrent conditional saves through separate store instances: exactly one wins',
      async () => {
        const { store, namespace } = await ctx.fresh();
        const doc = makeSession('race2');
        await store.save(doc);
        const stores = [store, ...(await Promise.all(Array.from({ length: 3 }, () => ctx.reopen(namespace))))];
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            stores[i % stores.length]!.save(
              { ...doc, config: { ...doc.config, name: `writer ${i}` } },
              { expectedRevision: 1 },
            ),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((await store.get('race2'))?.revision).toBe(2);
      },
    );

    itWhen(
      atomic,
      noAtomic,
      'concurrent unconditional saves leave one complete document and distinct revisions',
      async () => {
        const { store } = await ctx.fresh();
        const docs = Array.from({ length: 20 }, (_, i) =>
          makeSession('free-for-all', { name: `writer ${i}`, messages: 3 + i }),
        );
        const revisions = (await Promise.all(docs.map((d) => store.save(d)))).map((r) => r.revision);
        expect([...revisions].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const stored = await store.get('free-for-all');
        expect(stored?.revision).toBe(20);
        const winner = docs.find((d) => d.config.name === stored?.session.config.name);
        expect(stored?.session).toEqual(winner);
      },
    );
  });

  describe('appendMessages', () => {
    it('appends in order and bumps the revision', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('append', { messages: 2 });
      await store.save(doc);
      expect(await store.appendMessages('append', [makeMessage(2), makeMessage(3)])).toEqual({ revision: 2 });
      expect(await store.appendMessages('append', [makeMessage(4)])).toEqual({ revision: 3 });
      expect(await store.appendMessages('append', [])).toEqual({ revision: 4 });
      const back = await store.load('append');
      expect(back).toEqual({ ...doc, messages: [0, 1, 2, 3, 4].map((i) => makeMessage(i)) });
      expect((await store.listSessions()).sessions[0]?.message_count).toBe(5);
    });

    it('obeys expectedRevision', async () => {
      const { store } = await ctx.fresh();
      await store.save(makeSession('append-rev'));
      expect(await store.appendMessages('append-rev', [makeMessage(2)], { expectedRevision: 1 })).toEqual({
        revision: 2,
      });
      const error = await rejectionOf(store.appendMessages('append-rev', [makeMessage(3)], { expectedRevision: 1 }));
      expect(error).toBeInstanceOf(SessionConflictError);
      expect((error as SessionConflictError).currentRevision).toBe(2);
      expect((await store.load('append-rev'))?.messages).toHaveLength(3);
    });

    it('on a missing session: SessionNotFoundError, or SessionConflictError when a revision was expected', async () => {
      const { store } = await ctx.fresh();
      expect(await rejectionOf(store.appendMessages('nope', [makeMessage(0)]))).toBeInstanceOf(SessionNotFoundError);
      const error = await rejectionOf(store.appendMessages('nope', [makeMessage(0)], { expectedRevision: 1 }));
      expect(error).toBeInstanceOf(SessionConflictError);
      expect((error as SessionConflictError).currentRevision).toBeNull();
      expect(await store.exists('nope')).toBe(false);
    });

    it('invalid messages throw SessionValidationError and append nothing', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('append-bad');
      await store.save(doc);
      for (const bad of [
        [{ role: 'user', content: [{ type: 'video' }] }],
        [{ role: 'user' }],
        'not an array',
        [null],
      ]) {
        const error = await rejectionOf(store.appendMessages('append-bad', bad as never));
        expect(error.name).toBe('SessionValidationError');
      }
      expect(await store.get('append-bad')).toEqual({ session: doc, revision: 1 });
    });

    itWhen(atomic, noAtomic, 'concurrent appends keep every message, each once, with distinct revisions', async () => {
      const { store } = await ctx.fresh();
      await store.save(makeSession('append-race', { messages: 0 }));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.appendMessages('append-race', [makeMessage(0, `m${i}`)])),
      );
      expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
      const texts = (await store.load('append-race'))!.messages.map((m) => (m.content[0] as { text: string }).text);
      expect([...texts].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
    });

    itWhen(atomic, noAtomic, 'concurrent appends with the same expectedRevision: exactly one wins', async () => {
      const { store } = await ctx.fresh();
      await store.save(makeSession('append-race2', { messages: 1 }));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.appendMessages('append-race2', [makeMessage(1, `m${i}`)], { expectedRevision: 1 }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(SessionConflictError);
      expect((await store.load('append-race2'))?.messages).toHaveLength(2);
    });
  });
}
