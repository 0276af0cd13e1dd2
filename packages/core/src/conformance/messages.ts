/**
 * DESIGN.md "Where work pays off": backends may write only the new tail of `messages`, so every way a history can
 * change between two saves must still come back exactly. Change is detected by content, never by object identity.
 */
import { describe, expect, it } from 'vitest';
import type { Message, SessionData } from '../schema.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { clone } from './support.js';

const msgs = (from: number, to: number, tag = '') =>
  Array.from({ length: to - from }, (_, i) => makeMessage(from + i, `${tag}m${from + i}`));

export function describeMessages(ctx: SuiteContext): void {
  describe('message history changes', () => {
    async function saved(id: string, count: number) {
      const { store } = await ctx.fresh();
      const doc: SessionData = { ...makeSession(id, { messages: 0 }), messages: msgs(0, count) };
      await store.save(doc);
      return { store, doc };
    }

    it('save with messages appended at the end', async () => {
      const { store, doc } = await saved('grow', 5);
      for (let turn = 0; turn < 4; turn++) {
        doc.messages.push(...msgs(doc.messages.length, doc.messages.length + 2));
        doc.updated_at += 1;
        await store.save(doc);
        expect(await store.load('grow')).toEqual(doc);
      }
      expect((await store.get('grow'))?.revision).toBe(5);
    });

    it('save with the history replaced, truncated, emptied and compacted', async () => {
      const { store, doc } = await saved('reshape', 8);
      const versions: Message[][] = [
        msgs(0, 8, 'replaced-'),
        msgs(0, 3),
        [],
        [makeMessage(0, 'summary of the conversation so far'), ...msgs(6, 9)],
        msgs(0, 8).reverse(),
      ];
      for (const messages of versions) {
        const next = { ...doc, messages };
        await store.save(next);
        expect(await store.load('reshape')).toEqual(next);
      }
    });

    it('save with an edit in the middle (same length, longer and shorter)', async () => {
      const { store, doc } = await saved('middle', 10);
      const edited = clone(doc);
      (edited.messages[4]!.content[0] as { text: string }).text = 'edited in the middle';
      await store.save(edited);
      expect(await store.load('middle')).toEqual(edited);
      edited.messages.splice(5, 1);
      edited.messages.push(makeMessage(10));
      await store.save(edited);
      expect(await store.load('middle')).toEqual(edited);
      edited.messages.splice(2, 0, makeMessage(99, 'inserted'));
      await store.save(edited);
      expect(await store.load('middle')).toEqual(edited);
    });

    it('save after an edit in place of a loaded message object, plus a new message', async () => {
      const { store } = await saved('in-place', 6);
      const loaded = (await store.load('in-place'))!;
      (loaded.messages[0]!.content[0] as { text: string }).text = 'changed in place';
      loaded.messages[3]!.role = 'assistant';
      (loaded.messages[1]!.content[1] as { input: Record<string, unknown> }).input.extra = [1, 2];
      loaded.messages.push(makeMessage(6));
      await store.save(loaded);
      const back = await store.load('in-place');
      expect(back).toEqual(loaded);
      expect((back!.messages[0]!.content[0] as { text: string }).text).toBe('changed in place');
    });

    it('the same message object saved again after a change is seen (no identity caching)', async () => {
      const { store, doc } = await saved('identity', 3);
      const shared = doc.messages[2]!;
      (shared.content[0] as { text: string }).text = 'mutated';
      await store.save(doc);
      expect(await store.load('identity')).toEqual(doc);
    });

    it('appendMessages and save interleave correctly', async () => {
      const { store, doc } = await saved('interleave', 4);
      await store.appendMessages('interleave', msgs(4, 6));
      const afterAppend = (await store.load('interleave'))!;
      expect(afterAppend.messages).toEqual(msgs(0, 6));
      afterAppend.messages.push(...msgs(6, 7));
      await store.save(afterAppend);
      await store.appendMessages('interleave', msgs(7, 8));
      expect((await store.load('interleave'))!.messages).toEqual(msgs(0, 8));
      await store.save({ ...doc, messages: msgs(0, 2) });
      await store.appendMessages('interleave', msgs(2, 3, 'x'));
      expect((await store.load('interleave'))!.messages).toEqual([...msgs(0, 2), ...msgs(2, 3, 'x')]);
      expect((await store.get('interleave'))?.revision).toBe(6);
    });

    it('a long run of saves from one loaded document, with edits in place deep inside earlier messages', async () => {
      // Stores may remember what they stored and compare by value: every kind of in-place change must be seen after
      // many turns too, not only on the first save after a load.
      const { store } = await saved('turns', 6);
      const doc = (await store.load('turns'))!;
      const turn = async (change: (messages: Message[]) => void) => {
        change(doc.messages);
        doc.updated_at += 1;
        await store.save(doc);
        expect(await store.load('turns')).toEqual(doc);
      };
      for (let i = 0; i < 5; i++) await turn((m) => m.push(makeMessage(m.length)));
      await turn((m) => {
        (m[4]!.content[1] as { input: { command: string } }).input.command = 'edited deep inside';
        m.push(makeMessage(m.length));
      });
      await turn((m) => {
        (m[7]!.content[0] as { text: string }).text = 'edited without adding a message';
      });
      await turn((m) => {
        (m[1]!.content[1] as { input: Record<string, unknown> }).input.added = { nested: [null, true, 0.5] };
      });
      await turn((m) => {
        delete (m[1]!.content[1] as { input: Record<string, unknown> }).input.timeout;
      });
      await turn((m) => {
        (m[9] as unknown as Record<string, unknown>).unknown_key = 'kept';
      });
      await turn((m) => {
        m.at(-1)!.role = 'assistant';
      });
      await turn((m) => m.splice(3, 2));
      await turn((m) => m.push(makeMessage(m.length), makeMessage(m.length + 1)));
      await turn((m) => {
        m[2] = { ...m[2]!, content: [{ type: 'text', text: 'replaced object, same position' }] };
      });
      await turn((m) => m.splice(0, m.length - 2, makeMessage(0, 'compacted summary')));
      for (let i = 0; i < 3; i++) await turn((m) => m.push(makeMessage(m.length)));
      expect((await store.get('turns'))?.revision).toBe(19);
    });

    it('a message object saved, then changed in place, is seen on a later save', async () => {
      const { store, doc } = await saved('later', 2);
      for (let i = 0; i < 3; i++) {
        doc.messages.push(makeMessage(doc.messages.length));
        await store.save(doc);
      }
      // The caller keeps its objects after saving them; changing one must count as a change.
      (doc.messages[3]!.content[0] as { text: string }).text = 'changed after it was saved';
      doc.messages.push(makeMessage(doc.messages.length));
      await store.save(doc);
      expect(await store.load('later')).toEqual(doc);
    });

    it('saves through a store whose view is out of date (another store changed the session) come back exactly', async () => {
      const { store: a, namespace } = await ctx.fresh();
      const b = await ctx.reopen(namespace);
      const doc: SessionData = { ...makeSession('shared', { messages: 0 }), messages: msgs(0, 4) };
      await a.save(doc);
      for (let i = 0; i < 3; i++) {
        doc.messages.push(makeMessage(doc.messages.length));
        await a.save(doc);
      }
      // b replaces the history with one of the same length; a then saves its own document plus one message.
      await b.save({ ...doc, messages: msgs(0, doc.messages.length, 'from-b-') });
      doc.messages.push(makeMessage(doc.messages.length));
      await a.save(doc);
      expect(await b.load('shared')).toEqual(doc);
      // b appends; a saves its document, which lacks b's message: a's document is what is stored.
      await b.appendMessages('shared', msgs(100, 101));
      doc.messages.push(makeMessage(doc.messages.length));
      await a.save(doc);
      expect(await b.load('shared')).toEqual(doc);
      expect(await a.load('shared')).toEqual(doc);
      // b deletes and re-creates it with other messages; a's next save still stores exactly a's document.
      await b.delete('shared');
      await b.save({ ...doc, messages: msgs(0, 3, 'recreated-') });
      doc.messages.push(makeMessage(doc.messages.length));
      await a.save(doc);
      expect(await b.load('shared')).toEqual(doc);
      await expect(a.save(doc, { expectedRevision: 1 })).rejects.toMatchObject({ code: 'SESSION_CONFLICT' });
    });

    it('head fields change while messages stay the same', async () => {
      const { store, doc } = await saved('head', 4);
      const next = clone(doc);
      next.state = 'Completed';
      next.config.name = 'renamed';
      next.total_cost = 1.25;
      next.updated_at += 100;
      await store.save(next);
      expect(await store.load('head')).toEqual(next);
      const summary = (await store.listSessions()).sessions.find((s) => s.id === 'head');
      expect(summary).toMatchObject({
        name: 'renamed',
        state: 'Completed',
        updated_at: next.updated_at,
        message_count: 4,
      });
    });
  });
}
