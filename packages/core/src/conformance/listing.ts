/** DESIGN.md "Listing": updated_at descending, then id ascending; opaque cursors visit every session once. */
import { describe, expect, it } from 'vitest';
import type { SessionStore, SessionSummary } from '../contract.js';
import { InvalidArgumentError } from '../errors.js';
import { compareSummaries } from '../listing.js';
import type { SuiteContext } from './context.js';
import { makeMessage, makeSession } from './data.js';
import { rejectionOf } from './support.js';

async function allPages(store: SessionStore, limit: number, parentId?: string): Promise<SessionSummary[]> {
  const out: SessionSummary[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await store.listSessions({ limit, cursor, parentId });
    expect(page.sessions.length).toBeLessThanOrEqual(limit);
    out.push(...page.sessions);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
  throw new Error('listSessions never ended');
}

export function describeListing(ctx: SuiteContext): void {
  describe('listSessions', () => {
    it('orders by updated_at descending, then id ascending in UTF-8 byte order', async () => {
      const { store } = await ctx.fresh();
      // \uFF01 sorts before an astral character in UTF-8 but after it in UTF-16 code units.
      const ids = ['b', 'a', 'c', 'B', '\uFF01', '😀', 'a-1', 'ä'];
      for (const [i, id] of ids.entries())
        await store.save(makeSession(id, { updatedAt: i < 4 ? 1_000 : i < 6 ? 2_001 : 2_000 }));
      const listed = (await store.listSessions()).sessions;
      // 2001: U+FF01 (EF BC 81) before 😀 (F0 9F 98 80); 2000: 'a-1' before 'ä'; 1000: byte order, 'B' first.
      expect(listed.map((s) => s.id)).toEqual(['\uFF01', '😀', 'a-1', 'ä', 'B', 'a', 'b', 'c']);
      expect([...listed].sort(compareSummaries)).toEqual(listed);
    });

    it('summaries match the documents', async () => {
      const { store } = await ctx.fresh();
      const parent = makeSession('parent', { messages: 3, updatedAt: 5_000, name: 'Parent' });
      const child = makeSession('child', { messages: 5, updatedAt: 4_000, parentId: 'parent', name: 'Child' });
      child.state = 'Paused';
      child.created_at = 123;
      await store.save(parent);
      await store.save(child);
      await store.save(child);
      await store.appendMessages('child', [makeMessage(5)]);
      const { sessions, nextCursor } = await store.listSessions();
      expect(nextCursor).toBeNull();
      expect(sessions).toEqual([
        {
          id: 'parent',
          name: 'Parent',
          state: 'Active',
          created_at: 1_700_000_000,
          updated_at: 5_000,
          parent_id: null,
          message_count: 3,
          revision: 1,
        },
        {
          id: 'child',
          name: 'Child',
          state: 'Paused',
          created_at: 123,
          updated_at: 4_000,
          parent_id: 'parent',
          message_count: 6,
          revision: 3,
        },
      ]);
      await store.delete('parent');
      expect((await store.listSessions()).sessions.map((s) => s.id)).toEqual(['child']);
    });

    it('cursor pages visit every session exactly once, also while others are saved meanwhile', async () => {
      const { store } = await ctx.fresh();
      const original = Array.from({ length: 37 }, (_, i) =>
        makeSession(`s${String(i).padStart(2, '0')}`, { updatedAt: 100 + (i % 7) }),
      );
      for (const doc of original) await store.save(doc);
      const seen: string[] = [];
      let cursor: string | undefined;
      let extra = 0;
      do {
        const page = await store.listSessions({ limit: 5, cursor });
        seen.push(...page.sessions.map((s) => s.id));
        // New sessions land before, inside and after the part already read.
        await store.save(makeSession(`new${extra++}`, { updatedAt: [50, 103, 999][extra % 3] }));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      for (const doc of original) expect(seen).toContain(doc.id);
      const full = await allPages(store, 1000);
      expect(full.map((s) => s.id).sort()).toEqual(
        [...original.map((d) => d.id), ...Array.from({ length: extra }, (_, i) => `new${i}`)].sort(),
      );
      expect([...full].sort(compareSummaries)).toEqual(full);
    });

    it('filters by parentId', async () => {
      const { store } = await ctx.fresh();
      for (let i = 0; i < 12; i++)
        await store.save(
          makeSession(`c${i}`, { parentId: i % 3 === 0 ? 'p1' : i % 3 === 1 ? 'p2' : undefined, updatedAt: i }),
        );
      const p1 = await allPages(store, 2, 'p1');
      expect(p1.map((s) => s.id)).toEqual(['c9', 'c6', 'c3', 'c0']);
      expect(p1.every((s) => s.parent_id === 'p1')).toBe(true);
      expect((await store.listSessions({ parentId: 'nobody' })).sessions).toEqual([]);
    });

    it('limit defaults to 50 and must be 1 to 1000', async () => {
      const { store } = await ctx.fresh();
      for (let i = 0; i < 53; i++) await store.save(makeSession(`l${i}`));
      const first = await store.listSessions();
      expect(first.sessions).toHaveLength(50);
      expect(first.nextCursor).not.toBeNull();
      const rest = await store.listSessions({ cursor: first.nextCursor! });
      expect(rest.sessions).toHaveLength(3);
      expect(rest.nextCursor).toBeNull();
      expect((await store.listSessions({ limit: 1000 })).sessions).toHaveLength(53);
      expect((await store.listSessions({ limit: 1 })).sessions).toHaveLength(1);
      for (const limit of [0, -1, 1001, 1.5, Number.NaN, '10']) {
        expect(await rejectionOf(store.listSessions({ limit: limit as number }))).toBeInstanceOf(InvalidArgumentError);
      }
    });

    it('a bad cursor throws InvalidArgumentError', async () => {
      const { store } = await ctx.fresh();
      await store.save(makeSession('x'));
      for (const cursor of ['garbage', '', 'c1.', 'c1.!!!', `c1.${Buffer.from('[1]').toString('base64url')}`, 42]) {
        expect(await rejectionOf(store.listSessions({ cursor: cursor as string }))).toBeInstanceOf(
          InvalidArgumentError,
        );
      }
    });

    it('an empty store lists nothing', async () => {
      const { store } = await ctx.fresh();
      expect(await store.listSessions()).toEqual({ sessions: [], nextCursor: null, unreadable: [] });
      expect(await store.list()).toEqual([]);
    });
  });
}
