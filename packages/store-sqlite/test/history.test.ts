/**
 * Issue 18, sqlite specifics: a slice reads only the segments that hold it (counted at the adapter's read, not
 * timed), and a version-2 database gains the segments' first indexes and keeps answering slices exactly.
 */
import { join } from 'node:path';
import type { ResolvedWindow, SegmentState, StoredSegments } from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, SqliteSessionStore, sqlNames } from '../src/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir('history');
let n = 0;
const freshPath = () => join(dir, `h${n++}.db`);

/** Counts the segments each read hands to core. */
class CountingStore extends SqliteSessionStore {
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

async function longHistory(store: SqliteSessionStore, turns: number) {
  const doc = makeSession('long', { messages: 1 });
  await store.save(doc);
  for (let i = 1; i < turns; i++) await store.appendMessages('long', [makeMessage(i, `turn ${i}`)]);
  return doc;
}

describe('sqlite: loadMessages reads only the segments of the slice', () => {
  it('the same number of segments for a slice of 300 turns as of 30', async () => {
    for (const turns of [30, 300]) {
      const store = new CountingStore({ path: freshPath() });
      await longHistory(store, turns);
      const last = await store.loadMessages('long', { last: 2 });
      expect(last.messages.map((m) => m.content)).toEqual([
        makeMessage(turns - 2, `turn ${turns - 2}`).content,
        makeMessage(turns - 1, `turn ${turns - 1}`).content,
      ]);
      expect(store.segmentsRead).toBe(2);
      store.segmentsRead = 0;
      const middle = await store.loadMessages('long', { from: 10, limit: 3 });
      expect(middle.from).toBe(10);
      expect(middle.total).toBe(turns);
      expect(store.segmentsRead).toBe(3);
      await store.close();
    }
  });

  it('a database at version 2 gains the first indexes of its segments and slices exactly', async () => {
    const path = freshPath();
    const db = new Database(path);
    const names = sqlNames('agent_sessions');
    migrate(db, names, 2);
    const doc = makeSession('old', { messages: 0 });
    const head = JSON.stringify({ ...doc, messages: undefined });
    db.prepare(
      `INSERT INTO agent_sessions (id, head, name_json, state, parent_id, parent_id_json, created_at, updated_at,
        message_count, revision, messages_digest, document_bytes) VALUES ('old', ?, '"x"', 'Active', NULL, 'null', 1, 2, 5, 3, '', 0)`,
    ).run(head);
    const insert = db.prepare(
      'INSERT INTO agent_sessions_messages (session_key, seq, message_count, json) VALUES (1, ?, ?, ?)',
    );
    for (const [seq, ids] of [[0, 1], [2], [3, 4]].entries())
      insert.run(seq, ids.length, ids.map((i) => JSON.stringify(makeMessage(i))).join(','));
    db.close();
    const store = new CountingStore({ path });
    const slice = await store.loadMessages('old', { from: 2, limit: 2 });
    expect(slice.messages).toEqual([makeMessage(2), makeMessage(3)]);
    expect(store.segmentsRead).toBe(2);
    expect((await store.loadMessages('old', { last: 1 })).messages).toEqual([makeMessage(4)]);
    await store.close();
  });
});
