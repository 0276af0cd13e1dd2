/** Basic CRUD, health, close and namespace isolation. */
import { describe, expect, it } from 'vitest';
import { SessionTooLargeError, StoreClosedError } from '../errors.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { itWhen, rejectionOf } from './support.js';

export function describeLifecycle(ctx: SuiteContext): void {
  describe('lifecycle', () => {
    it('load and get of a missing id are null; exists is false', async () => {
      const { store } = await ctx.fresh();
      expect(await store.load('missing')).toBeNull();
      expect(await store.get('missing')).toBeNull();
      expect(await store.exists('missing')).toBe(false);
    });

    it('delete is idempotent and says whether it removed something', async () => {
      const { store } = await ctx.fresh();
      await store.save(makeSession('del'));
      expect(await store.exists('del')).toBe(true);
      expect(await store.delete('del')).toBe(true);
      expect(await store.exists('del')).toBe(false);
      expect(await store.load('del')).toBeNull();
      expect(await store.delete('del')).toBe(false);
      expect(await store.delete('never-saved')).toBe(false);
      expect(await store.list()).toEqual([]);
    });

    it('overwrite replaces the whole document', async () => {
      const { store } = await ctx.fresh();
      const first = makeSession('over', { messages: 4, name: 'first' });
      (first as Record<string, unknown>).only_in_first = true;
      await store.save(first);
      const second = makeSession('over', { messages: 1, name: 'second' });
      await store.save(second);
      expect(await store.load('over')).toEqual(second);
    });

    it('list returns exactly the saved ids', async () => {
      const { store } = await ctx.fresh();
      const ids = ['one', 'two', 'three', 'four'];
      for (const id of ids) await store.save(makeSession(id));
      await store.save(makeSession('two'));
      await store.delete('three');
      expect([...(await store.list())].sort()).toEqual(['four', 'one', 'two']);
    });

    it('healthCheck passes', async () => {
      const { store } = await ctx.fresh();
      await expect(store.healthCheck()).resolves.toBeUndefined();
      expect(typeof store.backendName).toBe('string');
      expect(store.backendName.length).toBeGreaterThan(0);
    });

    it('close is idempotent and every call after it throws StoreClosedError', async () => {
      const { store } = await ctx.fresh();
      await store.save(makeSession('closing'));
      await store.close();
      await store.close();
      const calls: [string, () => Promise<unknown>][] = [
        ['save', () => store.save(makeSession('closing'))],
        ['appendMessages', () => store.appendMessages('closing', [makeMessage(0)])],
        ['load', () => store.load('closing')],
        ['get', () => store.get('closing')],
        ['delete', () => store.delete('closing')],
        ['exists', () => store.exists('closing')],
        ['list', () => store.list()],
        ['listSessions', () => store.listSessions()],
        ['healthCheck', () => store.healthCheck()],
      ];
      for (const [method, call] of calls) expect(await rejectionOf(call()), method).toBeInstanceOf(StoreClosedError);
    });

    it('closing one store leaves data for the next store on the same namespace', async () => {
      const { store, namespace } = await ctx.fresh();
      const doc = makeSession('persisted', { messages: 3 });
      await store.save(doc);
      await store.close();
      const again = await ctx.reopen(namespace);
      expect(await again.get('persisted')).toEqual({ session: doc, revision: 1 });
    });

    it('Symbol.asyncDispose closes the store', async () => {
      const { store } = await ctx.fresh();
      await store[Symbol.asyncDispose]();
      expect(await rejectionOf(store.list())).toBeInstanceOf(StoreClosedError);
    });

    it('namespaces are isolated, and the same namespace shares data', async () => {
      const a = await ctx.fresh();
      const b = await ctx.fresh();
      expect(await b.store.list()).toEqual([]);
      await a.store.save(makeSession('shared-id', { name: 'in a' }));
      await b.store.save(makeSession('shared-id', { name: 'in b' }));
      await a.store.save(makeSession('only-a'));
      expect((await a.store.load('shared-id'))?.config.name).toBe('in a');
      expect((await b.store.load('shared-id'))?.config.name).toBe('in b');
      expect(await b.store.exists('only-a')).toBe(false);
      expect((await b.store.listSessions()).sessions.map((s) => s.id)).toEqual(['shared-id']);
      const a2 = await ctx.reopen(a.namespace);
      expect([...(await a2.list())].sort()).toEqual(['only-a', 'shared-id']);
      await a2.save(makeSession('from-a2'));
      expect(await a.store.exists('from-a2')).toBe(true);
      expect(await b.store.exists('from-a2')).toBe(false);
    });

    const max = ctx.caps.maxDocumentBytes;
    itWhen(
      max <= 64 * 1024 * 1024,
      `maxDocumentBytes ${max} is too large to exercise in a test`,
      'a document over maxDocumentBytes throws SessionTooLargeError before anything is written',
      async () => {
        const { store } = await ctx.fresh();
        const small = makeSession('too-large');
        await store.save(small);
        const big = makeSession('too-large', { messages: 1, messageText: () => 'x'.repeat(max) });
        const error = await rejectionOf(store.save(big));
        expect(error).toBeInstanceOf(SessionTooLargeError);
        expect(await store.get('too-large')).toEqual({ session: small, revision: 1 });
      },
      120_000,
    );
  });
}
