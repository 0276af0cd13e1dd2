/**
 * Issue 18: idempotent appends. A retry with the key of an append whose reply was lost is applied once and answers
 * the first success's revision; keys live beside the session, for the last APPEND_KEY_WINDOW keyed appends.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, SessionConflictError } from '../errors.js';
import { APPEND_KEY_WINDOW } from '../idempotency.js';
import type { SessionData } from '../schema.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { itWhen, rejectionOf } from './support.js';

const turn = (i: number) => [makeMessage(i, `turn ${i}`)];

export function describeIdempotency(ctx: SuiteContext): void {
  const atomic = ctx.caps.atomicRevisions;
  const noAtomic = 'atomicRevisions: false (the server ignores conditional writes)';

  describe('idempotent appends', () => {
    async function started(id: string) {
      const { store, namespace } = await ctx.fresh();
      const doc: SessionData = makeSession(id, { messages: 2 });
      await store.save(doc);
      return { store, namespace, doc };
    }

    it('a retry after a lost reply (same key, same options) is applied once and answers the first revision', async () => {
      const { store, doc } = await started('retry');
      const opts = { idempotencyKey: 'k-1', expectedRevision: 1 };
      const first = await store.appendMessages('retry', turn(2), opts);
      expect(first).toEqual({ revision: 2 });
      // The caller never saw `first` and sends the same request again.
      expect(await store.appendMessages('retry', turn(2), opts)).toEqual(first);
      expect(await store.get('retry')).toEqual({
        session: { ...doc, messages: [...doc.messages, ...turn(2)] },
        revision: 2,
      });
      // Later writes in between do not make the retry apply again.
      await store.appendMessages('retry', turn(3), { idempotencyKey: 'k-2' });
      await store.appendMessages('retry', turn(4));
      expect(await store.appendMessages('retry', turn(2), { idempotencyKey: 'k-1' })).toEqual(first);
      expect((await store.loadMessages('retry')).total).toBe(5);
      expect((await store.get('retry'))?.revision).toBe(4);
    });

    it('the key is remembered by another store over the same data', async () => {
      const { store, namespace } = await started('shared');
      const first = await store.appendMessages('shared', turn(2), { idempotencyKey: 'k' });
      const other = await ctx.reopen(namespace);
      expect(await other.appendMessages('shared', turn(2), { idempotencyKey: 'k' })).toEqual(first);
      expect((await other.loadMessages('shared')).total).toBe(3);
      // …and a save in between does not forget it.
      const doc = await other.load('shared');
      await other.save(doc as SessionData);
      expect(await store.appendMessages('shared', turn(2), { idempotencyKey: 'k' })).toEqual(first);
      expect((await store.loadMessages('shared')).total).toBe(3);
    });

    it('a reused key with other messages throws InvalidArgumentError and writes nothing', async () => {
      const { store } = await started('reuse');
      await store.appendMessages('reuse', turn(2), { idempotencyKey: 'same' });
      const before = await store.get('reuse');
      const error = await rejectionOf(store.appendMessages('reuse', turn(9), { idempotencyKey: 'same' }));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(await store.get('reuse')).toEqual(before);
    });

    it('a new key with a stale expectedRevision conflicts, and writes nothing', async () => {
      const { store } = await started('stale-key');
      await store.appendMessages('stale-key', turn(2));
      const error = await rejectionOf(
        store.appendMessages('stale-key', turn(3), { idempotencyKey: 'fresh', expectedRevision: 1 }),
      );
      expect(error).toBeInstanceOf(SessionConflictError);
      expect((await store.get('stale-key'))?.revision).toBe(2);
      // The refused key was not taken: it appends now.
      expect(await store.appendMessages('stale-key', turn(3), { idempotencyKey: 'fresh' })).toEqual({ revision: 3 });
    });

    it('bad keys are refused and write nothing', async () => {
      const { store } = await started('badkey');
      for (const key of ['', 7, null, 'x'.repeat(201)])
        expect(
          await rejectionOf(store.appendMessages('badkey', turn(2), { idempotencyKey: key as string })),
        ).toBeInstanceOf(InvalidArgumentError);
      expect((await store.get('badkey'))?.revision).toBe(1);
    });

    it(`keeps the last ${APPEND_KEY_WINDOW} keys of a session; a delete forgets them`, async () => {
      const { store } = await started('window');
      for (let i = 0; i <= APPEND_KEY_WINDOW; i++)
        await store.appendMessages('window', turn(i), { idempotencyKey: `w-${i}` });
      const revision = (await store.get('window'))?.revision as number;
      // w-1 … w-64 are remembered…
      expect(await store.appendMessages('window', turn(1), { idempotencyKey: 'w-1' })).toEqual({ revision: 3 });
      expect(
        await store.appendMessages('window', turn(APPEND_KEY_WINDOW), { idempotencyKey: `w-${APPEND_KEY_WINDOW}` }),
      ).toEqual({ revision });
      expect((await store.get('window'))?.revision).toBe(revision);
      // …w-0 is not: it appends again.
      expect(await store.appendMessages('window', turn(0), { idempotencyKey: 'w-0' })).toEqual({
        revision: revision + 1,
      });
      await store.delete('window');
      await store.save(makeSession('window', { messages: 0 }));
      expect(await store.appendMessages('window', turn(1), { idempotencyKey: 'w-1' })).toEqual({ revision: 2 });
    }, 60_000);

    itWhen(atomic, noAtomic, 'the same keyed append sent five times at once is applied once', async () => {
      const { store } = await started('burst');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.appendMessages('burst', turn(2), { idempotencyKey: 'once' })),
      );
      expect(new Set(results.map((r) => r.revision))).toEqual(new Set([2]));
      expect((await store.loadMessages('burst')).total).toBe(3);
      expect((await store.get('burst'))?.revision).toBe(2);
    });
  });
}
