/** The head + message segments layout: what each write touches, and that edits of any kind are never lost. */
import { SessionConflictError, SessionTooLargeError } from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { openTestDatabase, type TestDatabase } from './helpers.js';

let db: TestDatabase;
let store: PostgresSessionStore;
beforeAll(async () => {
  db = await openTestDatabase('msglog');
  store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'log' });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await db?.cleanup();
});

/** Each stored segment row: where it starts, how many messages it holds, its text and the transaction that wrote it. */
async function rows(id: string): Promise<{ seq: number; n: number; body: string; xmin: string }[]> {
  const result = await db.pool.query(
    `SELECT seq, message_count AS n, body, xmin::text AS xmin FROM "${db.schema}"."log_messages"
     WHERE session_id = $1 ORDER BY seq`,
    [id],
  );
  return result.rows;
}

async function documentBytesColumn(id: string): Promise<number> {
  const result = await db.pool.query(`SELECT document_bytes FROM "${db.schema}"."log" WHERE id = $1`, [id]);
  return Number(result.rows[0].document_bytes);
}

describe('message segments', () => {
  it('a whole-document save writes one segment row; appendMessages and a growing save add one each', async () => {
    const doc = makeSession('append-only', { messages: 5 });
    await store.save(doc);
    const first = await rows('append-only');
    expect(first.map(({ seq, n }) => ({ seq, n }))).toEqual([{ seq: 0, n: 5 }]);
    expect(first[0]?.body).toBe(JSON.stringify(doc.messages).slice(1, -1));

    expect(await store.appendMessages('append-only', [makeMessage(5), makeMessage(6)])).toEqual({ revision: 2 });
    const second = await rows('append-only');
    expect(second.slice(0, 1)).toEqual(first);
    expect(second.slice(1).map(({ seq, n }) => ({ seq, n }))).toEqual([{ seq: 5, n: 2 }]);
    expect(second[1]?.xmin).not.toBe(first[0]?.xmin);

    const loaded = (await store.load('append-only'))!;
    loaded.messages.push(makeMessage(7));
    expect(await store.save(loaded)).toEqual({ revision: 3 });
    const third = await rows('append-only');
    expect(third.slice(0, 2)).toEqual(second);
    expect(third.slice(2).map(({ seq, n }) => ({ seq, n }))).toEqual([{ seq: 7, n: 1 }]);
    expect(await store.load('append-only')).toEqual(loaded);

    // The same document again: a new revision, no message row touched.
    expect(await store.save(loaded)).toEqual({ revision: 4 });
    expect(await rows('append-only')).toEqual(third);
    expect(await documentBytesColumn('append-only')).toBe(Buffer.byteLength(JSON.stringify(loaded)));
  });

  it('an edit in the middle rewrites the history and is kept', async () => {
    const doc = makeSession('middle', { messages: 6 });
    await store.save(doc);
    const edited = makeSession('middle', { messages: 6 });
    edited.messages[3] = makeMessage(3, 'edited in the middle');
    await store.save(edited);
    expect(await store.load('middle')).toEqual(edited);
    const [only, ...rest] = await rows('middle');
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ seq: 0, n: 6 });
    expect(only?.body).toContain('edited in the middle');
  });

  it('an edit in place of a loaded message object is seen, with a new message after it', async () => {
    await store.save(makeSession('in-place', { messages: 4 }));
    const loaded = (await store.load('in-place'))!;
    const block = loaded.messages[1]?.content[0];
    if (block?.type !== 'text') throw new Error('fixture changed: message 1 should start with text');
    block.text = 'changed in place';
    loaded.messages.push(makeMessage(4));
    await store.save(loaded);
    const again = await store.load('in-place');
    expect(again).toEqual(loaded);
    expect(again?.messages[1]?.content[0]).toEqual({ type: 'text', text: 'changed in place' });
  });

  it('truncation and compaction drop the rows past the new end', async () => {
    const long = makeSession('truncate', { messages: 6 });
    await store.save({ ...long, messages: long.messages.slice(0, 3) });
    await store.save(long);
    expect((await rows('truncate')).map(({ seq, n }) => ({ seq, n }))).toEqual([
      { seq: 0, n: 3 },
      { seq: 3, n: 3 },
    ]);
    const shorter = makeSession('truncate', { messages: 3 });
    shorter.messages[2] = makeMessage(2, 'shortened');
    await store.save(shorter);
    expect(await store.load('truncate')).toEqual(shorter);
    expect((await rows('truncate')).map(({ seq, n }) => ({ seq, n }))).toEqual([{ seq: 0, n: 3 }]);
    const compacted = makeSession('truncate', { messages: 0 });
    compacted.messages.push(makeMessage(0, 'summary of everything so far'));
    await store.save(compacted);
    expect(await store.load('truncate')).toEqual(compacted);
    expect(await rows('truncate')).toHaveLength(1);
    const empty = makeSession('truncate', { messages: 0 });
    await store.save(empty);
    expect(await rows('truncate')).toEqual([]);
    expect(await store.get('truncate')).toEqual({ session: empty, revision: 5 });
  });

  it('with historyCacheBytes 0, a growing save still adds one segment (verified by hashing) and an edit rewrites', async () => {
    const forgetful = new PostgresSessionStore({
      pool: db.pool,
      schema: db.schema,
      table: 'log',
      historyCacheBytes: 0,
    });
    const doc = makeSession('hashed', { messages: 3 });
    await forgetful.save(doc);
    const loaded = (await forgetful.load('hashed'))!;
    loaded.messages.push(makeMessage(3));
    await forgetful.save(loaded);
    const grown = await rows('hashed');
    expect(grown.map(({ seq, n }) => ({ seq, n }))).toEqual([
      { seq: 0, n: 3 },
      { seq: 3, n: 1 },
    ]);
    (loaded.messages[1]!.content[0] as { text: string }).text = 'edited in place';
    loaded.messages.push(makeMessage(4));
    await forgetful.save(loaded);
    expect((await rows('hashed')).map(({ seq, n }) => ({ seq, n }))).toEqual([{ seq: 0, n: 5 }]);
    expect(await store.load('hashed')).toEqual(loaded);
    await forgetful.close();
  });

  it('rows past the stored end (left by an older writer) are never read, and a new segment replaces them', async () => {
    const doc = makeSession('stale-rows', { messages: 3 });
    await store.save(doc);
    await db.pool.query(
      `INSERT INTO "${db.schema}"."log_messages" (session_id, seq, message_count, body) VALUES ($1, 4, 5, 'not json')`,
      ['stale-rows'],
    );
    expect(await store.load('stale-rows')).toEqual(doc);
    await store.appendMessages('stale-rows', [makeMessage(3), makeMessage(4)]);
    expect((await rows('stale-rows')).map(({ seq, n }) => ({ seq, n }))).toEqual([
      { seq: 0, n: 3 },
      { seq: 3, n: 2 },
    ]);
    expect((await store.load('stale-rows'))?.messages).toEqual([...doc.messages, makeMessage(3), makeMessage(4)]);
  });

  it('concurrent appends over several connections each get their own revision and segment', async () => {
    await store.save(makeSession('race', { messages: 1 }));
    const others = [0, 1].map(() => new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'log' }));
    const writers = [store, ...others];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        writers[i % writers.length]!.appendMessages('race', [makeMessage(100 + i, `appended ${i}`)]),
      ),
    );
    expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    const final = await store.get('race');
    expect(final?.revision).toBe(13);
    expect(final?.session.messages).toHaveLength(13);
    const texts = final!.session.messages.slice(1).map((m) => JSON.stringify(m));
    for (let i = 0; i < 12; i++) expect(texts.filter((t) => t.includes(`"appended ${i}"`))).toHaveLength(1);
    expect((await rows('race')).map((r) => r.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    for (const other of others) await other.close();
  });

  it('concurrent appends pinned to one revision: exactly one wins', async () => {
    await store.save(makeSession('pinned', { messages: 2 }));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        store.appendMessages('pinned', [makeMessage(i, `pinned ${i}`)], { expectedRevision: 1 }),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const o of outcomes)
      if (o.status === 'rejected') {
        expect(o.reason).toBeInstanceOf(SessionConflictError);
        expect((o.reason as SessionConflictError).currentRevision).toBe(2);
      }
    expect((await store.get('pinned'))?.session.messages).toHaveLength(3);
  });

  it('appendMessages past maxDocumentBytes throws SessionTooLargeError and writes nothing', async () => {
    const small = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'log', maxDocumentBytes: 4000 });
    const doc = makeSession('grow', { messages: 2 });
    await small.save(doc);
    await expect(small.appendMessages('grow', [makeMessage(2, 'x'.repeat(4000))])).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    expect(await small.get('grow')).toEqual({ session: doc, revision: 1 });
    await small.appendMessages('grow', [makeMessage(2)]);
    const loaded = (await small.load('grow'))!;
    expect(await documentBytesColumn('grow')).toBe(Buffer.byteLength(JSON.stringify(loaded)));
    await small.close();
  });
});

describe('what a store remembers of a session is never trusted', () => {
  const other = () => new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'log' });

  it('a save after another store changed the history plans from the stored row', async () => {
    const b = other();
    const doc = makeSession('stale-save', { messages: 3 });
    await store.save(doc);
    const edited = makeSession('stale-save', { messages: 3 });
    edited.messages[1] = makeMessage(1, 'edited by b');
    await b.save(edited);
    // `store` remembers its own 3 messages, so from memory alone it would append only the 4th.
    const next = makeSession('stale-save', { messages: 4 });
    expect(await store.save(next)).toEqual({ revision: 3 });
    expect(await b.load('stale-save')).toEqual(next);
    await b.appendMessages('stale-save', [makeMessage(4, 'from b')]);
    expect(await store.save(next)).toEqual({ revision: 5 });
    expect(await b.load('stale-save')).toEqual(next);
    await b.close();
  });

  it('an append after another store re-created the session with other messages lands after those', async () => {
    const b = other();
    await store.save(makeSession('recreated', { messages: 2 }));
    await b.delete('recreated');
    const replacement = makeSession('recreated', { messages: 0 });
    replacement.messages.push(makeMessage(0, 'new first'), makeMessage(1, 'new second'));
    await b.save(replacement);
    expect(await store.appendMessages('recreated', [makeMessage(2, 'appended')])).toEqual({ revision: 2 });
    expect((await b.load('recreated'))?.messages).toEqual([...replacement.messages, makeMessage(2, 'appended')]);
    await b.close();
  });

  it('a pinned save from remembered state still reports the conflict', async () => {
    const b = other();
    const doc = makeSession('pinned-memory', { messages: 2 });
    await store.save(doc);
    await b.save({ ...doc, total_cost: 1 });
    const error = await store.save(doc, { expectedRevision: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionConflictError);
    expect((error as SessionConflictError).currentRevision).toBe(2);
    expect((await b.load('pinned-memory'))?.total_cost).toBe(1);
    await b.close();
  });

  it('an append from remembered state checks the size the row has now', async () => {
    const small = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'log', maxDocumentBytes: 4000 });
    const doc = makeSession('grown-head', { messages: 1 });
    await small.save(doc);
    // Another store grows the head (same messages): `small` still remembers the message log, not the size.
    const b = other();
    const grown = { ...doc, config: { ...doc.config, name: 'n'.repeat(3000) } };
    await b.save(grown);
    await expect(small.appendMessages('grown-head', [makeMessage(1, 'x'.repeat(600))])).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    expect(await b.get('grown-head')).toEqual({ session: grown, revision: 2 });
    await Promise.all([small.close(), b.close()]);
  });
});
