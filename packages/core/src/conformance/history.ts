/**
 * Issue 18: the history operations. `loadMessages` slices, `truncateMessages` cuts the end off, `forkSession`
 * copies a session up to a message; all under the revision rules of save and append, and bad input changes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../contract.js';
import { InvalidArgumentError, InvalidSessionIdError, SessionConflictError, SessionNotFoundError } from '../errors.js';
import type { Message, SessionData } from '../schema.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { itWhen, rejectionOf } from './support.js';

const msgs = (from: number, to: number, tag = '') =>
  Array.from({ length: to - from }, (_, i) => makeMessage(from + i, `${tag}m${from + i}`));

/** A session written as one save of `first` messages and then `appends` appends of 2 (many segments when split). */
async function grown(store: SessionStore, id: string, first = 3, appends = 4): Promise<SessionData> {
  const doc: SessionData = { ...makeSession(id, { messages: 0 }), messages: msgs(0, first) };
  await store.save(doc);
  for (let i = 0; i < appends; i++) {
    const next = msgs(doc.messages.length, doc.messages.length + 2);
    await store.appendMessages(id, next);
    doc.messages.push(...next);
  }
  return doc;
}

export function describeHistory(ctx: SuiteContext): void {
  const atomic = ctx.caps.atomicRevisions;
  const noAtomic = 'atomicRevisions: false (the server ignores conditional writes)';

  describe('loadMessages', () => {
    it('returns every window of the history exactly, with the total and the revision', async () => {
      const { store } = await ctx.fresh();
      const doc = await grown(store, 'slice');
      const all = doc.messages;
      const revision = (await store.get('slice'))?.revision;
      expect(await store.loadMessages('slice')).toEqual({ messages: all, total: 11, from: 0, revision });
      for (let n = 0; n <= 12; n++)
        expect(await store.loadMessages('slice', { last: n })).toEqual({
          messages: all.slice(Math.max(0, 11 - n)),
          total: 11,
          from: Math.max(0, 11 - n),
          revision,
        });
      for (let from = 0; from <= 12; from += 2)
        for (const limit of [undefined, 0, 1, 3, 20]) {
          const slice = await store.loadMessages('slice', limit === undefined ? { from } : { from, limit });
          const to = limit === undefined ? undefined : from + limit;
          expect(slice.messages).toEqual(all.slice(from, to));
          expect(slice.from).toBe(Math.min(from, 11));
          expect(slice.total).toBe(11);
        }
    });

    it('an unknown id throws SessionNotFoundError; bad windows and ids are refused', async () => {
      const { store } = await ctx.fresh();
      await grown(store, 'w', 2, 0);
      expect(await rejectionOf(store.loadMessages('nobody'))).toBeInstanceOf(SessionNotFoundError);
      expect(await rejectionOf(store.loadMessages(''))).toBeInstanceOf(InvalidSessionIdError);
      const bad = [{ last: -1 }, { last: 1.5 }, { from: -2 }, { from: 0, limit: -1 }, { last: 1, from: 0 }, 'x'];
      for (const window of bad)
        expect(await rejectionOf(store.loadMessages('w', window as { last: number }))).toBeInstanceOf(
          InvalidArgumentError,
        );
    });
  });

  describe('truncateMessages', () => {
    it('keeps the first messages, moves the revision and the summary, and pops with total - 1', async () => {
      const { store } = await ctx.fresh();
      const doc = await grown(store, 'cut');
      const before = await store.get('cut');
      expect(await store.truncateMessages('cut', 6)).toEqual({ revision: (before?.revision ?? 0) + 1, removed: 5 });
      const after = await store.get('cut');
      expect(after?.session.messages).toEqual(doc.messages.slice(0, 6));
      expect(after?.session.updated_at).toBeGreaterThanOrEqual(doc.updated_at);
      expect(after?.session).toEqual({
        ...doc,
        messages: doc.messages.slice(0, 6),
        updated_at: after?.session.updated_at,
      });
      const summary = (await store.listSessions()).sessions[0];
      expect(summary).toMatchObject({ id: 'cut', message_count: 6, revision: after?.revision });
      expect(summary?.updated_at).toBe(after?.session.updated_at);
      const total = (await store.loadMessages('cut')).total;
      expect(await store.truncateMessages('cut', total - 1)).toMatchObject({ removed: 1 });
      expect((await store.load('cut'))?.messages).toEqual(doc.messages.slice(0, 5));
      expect(await store.truncateMessages('cut', 0)).toMatchObject({ removed: 5 });
      expect((await store.loadMessages('cut')).messages).toEqual([]);
    });

    it('keep equal to the count removes nothing and keeps the revision', async () => {
      const { store } = await ctx.fresh();
      await grown(store, 'same', 2, 1);
      const before = await store.get('same');
      expect(await store.truncateMessages('same', 4)).toEqual({ revision: before?.revision, removed: 0 });
      expect(await store.get('same')).toEqual(before);
    });

    it('bad input and a stale revision change nothing', async () => {
      const { store } = await ctx.fresh();
      await grown(store, 'keep');
      const before = await store.get('keep');
      for (const keep of [-1, 1.5, Number.NaN, '2', 12])
        expect(await rejectionOf(store.truncateMessages('keep', keep as number))).toBeInstanceOf(InvalidArgumentError);
      expect(await rejectionOf(store.truncateMessages('keep', 2, { expectedRevision: -1 }))).toBeInstanceOf(
        InvalidArgumentError,
      );
      const stale = await rejectionOf(store.truncateMessages('keep', 2, { expectedRevision: 1 }));
      expect(stale).toBeInstanceOf(SessionConflictError);
      expect((stale as SessionConflictError).currentRevision).toBe(before?.revision);
      expect(await rejectionOf(store.truncateMessages('nobody', 0))).toBeInstanceOf(SessionNotFoundError);
      expect(await rejectionOf(store.truncateMessages('', 0))).toBeInstanceOf(InvalidSessionIdError);
      expect(await store.get('keep')).toEqual(before);
      expect(await store.exists('nobody')).toBe(false);
      const ok = await store.truncateMessages('keep', 2, { expectedRevision: before?.revision });
      expect(ok.revision).toBe((before?.revision ?? 0) + 1);
    });

    it('later saves and appends write the right data, from this store, one that read it before, and a new one', async () => {
      const { store, namespace } = await ctx.fresh();
      const doc = await grown(store, 'after');
      const earlier = await ctx.reopen(namespace);
      expect(await earlier.load('after')).toEqual(doc); // it remembers the history before the truncate
      await store.truncateMessages('after', 4);
      const kept = doc.messages.slice(0, 4);
      // save(+k) from the store that truncated
      const plus = { ...doc, messages: [...kept, ...msgs(4, 6, 'a')] };
      await store.save(plus);
      expect(await store.load('after')).toEqual(plus);
      // an append and a save from a store that remembers the old, longer history
      await store.truncateMessages('after', 3);
      await earlier.appendMessages('after', msgs(3, 4, 'b'));
      const fresh = await ctx.reopen(namespace);
      expect((await fresh.load('after'))?.messages).toEqual([...kept.slice(0, 3), ...msgs(3, 4, 'b')]);
      await store.truncateMessages('after', 2);
      const saved = { ...doc, messages: [...kept.slice(0, 2), ...msgs(2, 5, 'c')] };
      await earlier.save(saved);
      expect(await fresh.load('after')).toEqual(saved);
      expect(await store.load('after')).toEqual(saved);
    });

    const rawSegments = ctx.options.rawSegments;
    itWhen(
      rawSegments !== undefined,
      'no rawSegments hook (not a split store)',
      'rewrites only the segment it cuts and removes the later ones',
      async () => {
        const { store, namespace } = await ctx.fresh();
        const doc = await grown(store, 'segs', 3, 4); // segments of 3, 2, 2, 2, 2
        const before = await (rawSegments as NonNullable<typeof rawSegments>)(namespace, 'segs');
        expect(before).toHaveLength(5);
        await store.truncateMessages('segs', 6); // inside the third segment
        const after = await (rawSegments as NonNullable<typeof rawSegments>)(namespace, 'segs');
        expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
        expect(after).toHaveLength(3);
        expect(JSON.parse(`[${ctx.plainSegment(after[2] as string, 'segs')}]`)).toEqual(doc.messages.slice(5, 6));
        await store.truncateMessages('segs', 5); // at a segment's end
        // The segment that now ends the history holds what it held (sealed again when encrypted: compare contents).
        const plain = (texts: string[]) => texts.map((t) => ctx.plainSegment(t, 'segs'));
        const atEnd = await (rawSegments as NonNullable<typeof rawSegments>)(namespace, 'segs');
        expect(plain(atEnd)).toEqual(plain(before.slice(0, 2)));
        await store.appendMessages('segs', msgs(5, 7, 'n'));
        expect((await store.load('segs'))?.messages).toEqual([...doc.messages.slice(0, 5), ...msgs(5, 7, 'n')]);
      },
    );

    itWhen(
      atomic,
      noAtomic,
      'concurrent truncates and appends with one expectedRevision: exactly one wins',
      async () => {
        const { store } = await ctx.fresh();
        const doc = await grown(store, 'race', 6, 0);
        const results = await Promise.allSettled([
          ...Array.from({ length: 4 }, (_, i) => store.truncateMessages('race', i + 1, { expectedRevision: 1 })),
          ...Array.from({ length: 4 }, (_, i) =>
            store.appendMessages('race', msgs(6, 7, `r${i}`), { expectedRevision: 1 }),
          ),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(SessionConflictError);
        const stored = await store.get('race');
        expect(stored?.revision).toBe(2);
        const index = results.findIndex((r) => r.status === 'fulfilled');
        const expected =
          index < 4 ? doc.messages.slice(0, index + 1) : [...doc.messages, ...msgs(6, 7, `r${index - 4}`)];
        expect(stored?.session.messages).toEqual(expected);
      },
    );

    itWhen(
      atomic,
      noAtomic,
      'unconditional truncates and appends at once: each applied once, in some order',
      async () => {
        const { store } = await ctx.fresh();
        const doc = await grown(store, 'mix', 8, 0);
        const added = Array.from({ length: 4 }, (_, i) => makeMessage(8, `added ${i}`));
        const results = await Promise.all([
          ...added.map((m) => store.appendMessages('mix', [m])),
          store.truncateMessages('mix', 4),
          store.truncateMessages('mix', 4),
        ]);
        const revisions = results.map((r) => r.revision);
        const stored = await store.get('mix');
        const messages = stored?.session.messages as Message[];
        // The first four messages survive every order; after them, only appended messages, each at most once.
        expect(messages.slice(0, 4)).toEqual(doc.messages.slice(0, 4));
        const tail = messages.slice(4);
        const original = doc.messages.slice(4);
        const fromAppends = tail.filter((m) => added.some((a) => JSON.stringify(a) === JSON.stringify(m)));
        expect(new Set(fromAppends.map((m) => JSON.stringify(m))).size).toBe(fromAppends.length);
        expect(tail.length - fromAppends.length).toBeLessThanOrEqual(original.length);
        // Every write that changed something has a revision of its own.
        const changing = results.filter((r) => !('removed' in r) || r.removed > 0).map((r) => r.revision);
        expect(new Set(changing).size).toBe(changing.length);
        expect(stored?.revision).toBe(Math.max(...revisions));
        expect((await store.listSessions()).sessions[0]?.message_count).toBe(messages.length);
      },
    );
  });

  describe('forkSession', () => {
    it('copies the head under the new id with parent_id, new times, and the messages up to atMessage', async () => {
      const { store } = await ctx.fresh();
      const doc = await grown(store, 'src');
      const started = Math.floor(Date.now() / 1000);
      expect(await store.forkSession('src', 'child', { atMessage: 5 })).toEqual({ revision: 1 });
      const child = await store.load('child');
      expect(child?.messages).toEqual(doc.messages.slice(0, 5));
      expect(child?.parent_id).toBe('src');
      expect(child?.created_at).toBeGreaterThanOrEqual(started);
      expect(child?.updated_at).toBe(child?.created_at);
      expect(child).toEqual({
        ...doc,
        id: 'child',
        parent_id: 'src',
        created_at: child?.created_at,
        updated_at: child?.updated_at,
        messages: doc.messages.slice(0, 5),
      });
      await store.forkSession('src', 'whole');
      expect((await store.load('whole'))?.messages).toEqual(doc.messages);
      await store.forkSession('src', 'empty', { atMessage: 0 });
      expect((await store.loadMessages('empty')).total).toBe(0);
      const children = await store.listSessions({ parentId: 'src' });
      expect(children.sessions.map((s) => s.id).sort()).toEqual(['child', 'empty', 'whole']);
    });

    it("the source's later writes never change the fork, nor the fork's the source", async () => {
      const { store, namespace } = await ctx.fresh();
      const doc = await grown(store, 'origin');
      await store.forkSession('origin', 'branch', { atMessage: 7 });
      await store.truncateMessages('origin', 2);
      await store.appendMessages('origin', msgs(2, 4, 'src-'));
      await store.save({ ...doc, messages: msgs(0, 3, 'again-') });
      await store.appendMessages('branch', msgs(7, 8, 'fork-'));
      const other = await ctx.reopen(namespace);
      expect((await other.load('branch'))?.messages).toEqual([...doc.messages.slice(0, 7), ...msgs(7, 8, 'fork-')]);
      expect((await other.load('origin'))?.messages).toEqual(msgs(0, 3, 'again-'));
    });

    it('an existing new id conflicts; bad input changes nothing', async () => {
      const { store } = await ctx.fresh();
      await grown(store, 'a', 2, 1);
      await grown(store, 'b', 1, 0);
      const b = await store.get('b');
      const taken = await rejectionOf(store.forkSession('a', 'b'));
      expect(taken).toBeInstanceOf(SessionConflictError);
      expect((taken as SessionConflictError).currentRevision).toBe(b?.revision);
      expect(await store.get('b')).toEqual(b);
      expect(await rejectionOf(store.forkSession('nobody', 'c'))).toBeInstanceOf(SessionNotFoundError);
      expect(await rejectionOf(store.forkSession('a', 'c', { atMessage: 5 }))).toBeInstanceOf(InvalidArgumentError);
      expect(await rejectionOf(store.forkSession('a', 'c', { atMessage: -1 }))).toBeInstanceOf(InvalidArgumentError);
      expect(await rejectionOf(store.forkSession('a', 'a'))).toBeInstanceOf(InvalidArgumentError);
      expect(await rejectionOf(store.forkSession('a', ''))).toBeInstanceOf(InvalidSessionIdError);
      expect(await rejectionOf(store.forkSession('a', 'c', { expectedRevision: 1 }))).toBeInstanceOf(
        SessionConflictError,
      );
      expect(await store.exists('c')).toBe(false);
      expect((await store.list()).sort()).toEqual(['a', 'b']);
      expect(await store.forkSession('a', 'c', { expectedRevision: 2 })).toEqual({ revision: 1 });
    });

    itWhen(atomic, noAtomic, 'concurrent forks to one new id: exactly one wins', async () => {
      const { store } = await ctx.fresh();
      await grown(store, 'one', 3, 1);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => store.forkSession('one', 'two', { atMessage: i })),
      );
      const won = results.findIndex((r) => r.status === 'fulfilled');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(SessionConflictError);
      expect((await store.loadMessages('two')).total).toBe(won);
    });
  });
}
