/**
 * Issue 18, postgres specifics: a slice reads only the segment rows that hold it (counted at the adapter's read,
 * not timed), and a truncate leaves the rows before the one it cuts untouched (same xmin: not rewritten).
 */
import type { ResolvedWindow, SegmentState, StoredSegments } from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { openTestDatabase, type TestDatabase } from './helpers.js';

/** Counts the segment rows each read hands to core. */
class CountingStore extends PostgresSessionStore {
  segmentsRead = 0;
  protected override async readSegments(
    id: string,
    window: ResolvedWindow,
  ): Promise<StoredSegments<SegmentState> | null> {
    const read = await super.readSegments(id, window);
    this.segmentsRead += read?.segments.length ?? 0;
    return read;
  }
}

let db: TestDatabase;
let store: CountingStore;
beforeAll(async () => {
  db = await openTestDatabase('history');
  store = new CountingStore({ pool: db.pool, schema: db.schema, table: 'h' });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await db?.cleanup();
});

async function longHistory(id: string, turns: number) {
  await store.save(makeSession(id, { messages: 1 }));
  for (let i = 1; i < turns; i++) await store.appendMessages(id, [makeMessage(i, `turn ${i}`)]);
}

describe('postgres: history slices', () => {
  it('the same number of segment rows for a slice of 200 turns as of 20', async () => {
    for (const turns of [20, 200]) {
      const id = `long-${turns}`;
      await longHistory(id, turns);
      store.segmentsRead = 0;
      const last = await store.loadMessages(id, { last: 2 });
      expect(last.messages).toEqual([
        makeMessage(turns - 2, `turn ${turns - 2}`),
        makeMessage(turns - 1, `turn ${turns - 1}`),
      ]);
      expect(store.segmentsRead).toBe(2);
      store.segmentsRead = 0;
      const middle = await store.loadMessages(id, { from: 10, limit: 3 });
      expect(middle.messages).toEqual([10, 11, 12].map((i) => makeMessage(i, `turn ${i}`)));
      expect(store.segmentsRead).toBe(3);
    }
  });

  it('a truncate rewrites only the row it cuts', async () => {
    await longHistory('cut', 6);
    const xmins = async () =>
      (
        await db.pool.query(
          `SELECT seq, xmin::text AS xmin FROM "${db.schema}"."h_messages" WHERE session_id = 'cut' ORDER BY seq`,
        )
      ).rows as { seq: number; xmin: string }[];
    const before = await xmins();
    await store.truncateMessages('cut', 3);
    const after = await xmins();
    expect(after.map((r) => r.seq)).toEqual([0, 1, 2]);
    // Rows 0 and 1 are untouched; row 2 is the one the cut ends in (rewritten), the later ones are gone.
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]?.xmin).not.toBe(before[2]?.xmin);
    expect((await store.load('cut'))?.messages).toHaveLength(3);
  });
});
