/** What a turn writes, corrupt rows, upgrades from an older schema, construction and URLs. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_HISTORY_CACHE_BYTES,
  InvalidArgumentError,
  openSessionStore,
  SessionCorruptError,
  SessionTooLargeError,
} from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, readSchemaVersion, SCHEMA_VERSION, SqliteSessionStore, sqlNames } from '../src/index.js';
import { statements } from '../src/sql.js';
import { tempDir } from './helpers.js';

const dir = tempDir('store');
let n = 0;
const freshPath = () => join(dir, `s${n++}.db`);
const segmentsOf = (db: Database.Database, id: string) =>
  db
    .prepare(
      'SELECT m.seq, m.message_count, m.json FROM agent_sessions_messages m JOIN agent_sessions s ON s.key = m.session_key WHERE s.id = ? ORDER BY m.seq',
    )
    .all(id) as { seq: number; message_count: number; json: string }[];

describe('sqlite: writes only what changed', () => {
  it('appendMessages and save with new messages add one segment each; an edit rewrites them as one', async () => {
    const store = new SqliteSessionStore({ path: freshPath() });
    const db = store.database;
    const doc = makeSession('tail', { messages: 30 });
    await store.save(doc);
    // A marker: same messages, other bytes. It survives only if the store does not rewrite the first segment.
    db.prepare('UPDATE agent_sessions_messages SET json = ? || json WHERE seq = 0').run(' ');
    await store.appendMessages('tail', [makeMessage(30)]);
    doc.messages.push(makeMessage(30), makeMessage(31));
    await store.save(doc);
    expect(segmentsOf(db, 'tail').map((r) => [r.seq, r.message_count])).toEqual([
      [0, 30],
      [1, 1],
      [2, 1],
    ]);
    expect(segmentsOf(db, 'tail')[0]?.json.startsWith(' ')).toBe(true);
    expect(await store.load('tail')).toEqual(doc);
    (doc.messages[5]!.content[0] as { text: string }).text = 'edited';
    await store.save(doc);
    expect(segmentsOf(db, 'tail').map((r) => [r.seq, r.message_count])).toEqual([[0, 32]]);
    expect(await store.load('tail')).toEqual(doc);
    doc.messages.length = 3;
    await store.save(doc);
    expect(segmentsOf(db, 'tail').map((r) => r.message_count)).toEqual([3]);
    doc.messages.length = 0;
    await store.save(doc);
    expect(segmentsOf(db, 'tail')).toEqual([]);
    expect(await store.load('tail')).toEqual(doc);
    await store.close();
  });

  it('listing reads summary columns, not documents', async () => {
    const store = new SqliteSessionStore({ path: freshPath() });
    await store.save(makeSession('a', { name: 'A \u0000 NUL and é😀', parentId: 'p\u0000' }));
    // Break the document: listing must not notice, load must.
    store.database.prepare("UPDATE agent_sessions SET head = 'garbage'").run();
    const { sessions } = await store.listSessions();
    expect(sessions).toMatchObject([{ id: 'a', name: 'A \u0000 NUL and é😀', parent_id: 'p\u0000', message_count: 2 }]);
    await expect(store.load('a')).rejects.toThrow(SessionCorruptError);
    await store.close();
  });
});

describe('sqlite: corrupt rows', () => {
  it('a head or message row that does not decode is SessionCorruptError naming the id', async () => {
    const store = new SqliteSessionStore({ path: freshPath() });
    await store.save(makeSession('bad/id', { messages: 3 }));
    const db = store.database;
    const good = JSON.stringify(makeMessage(0));
    const setSegment = (json: string, count = 3) =>
      db.prepare('UPDATE agent_sessions_messages SET json = ?, message_count = ?').run(json, count);
    setSegment(`${good},{"role":"user","content":[{"type":"video"}]},${good}`);
    const error = await store.load('bad/id').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionCorruptError);
    expect((error as SessionCorruptError).sessionId).toBe('bad/id');
    expect((error as Error).message).toContain('"bad/id"');
    setSegment(`${good},{truncated`);
    await expect(store.load('bad/id')).rejects.toThrow(/not valid JSON/);
    setSegment(`${good},${good}`, 2);
    await expect(store.load('bad/id')).rejects.toThrow(/records 3 messages but its segments hold 2/);
    setSegment(`${good},${good}`, 3);
    await expect(store.load('bad/id')).rejects.toThrow(/records 3 messages but 2 are stored/);
    db.prepare("UPDATE agent_sessions SET head = '[1]'").run();
    await expect(store.load('bad/id')).rejects.toThrow(SessionCorruptError);
    // Other sessions are unaffected.
    await store.save(makeSession('good'));
    expect((await store.load('good'))?.id).toBe('good');
    await store.close();
  });
});

describe('sqlite: migrations', () => {
  it('opening a database at version 1 upgrades it in place, keeping its data', async () => {
    const path = freshPath();
    const db = new Database(path);
    const names = sqlNames('agent_sessions');
    expect(migrate(db, names, 1)).toBe(1);
    db.prepare(
      `INSERT INTO agent_sessions (id, head, name_json, state, parent_id, parent_id_json, created_at, updated_at,
        message_count, revision, messages_digest, document_bytes) VALUES ('old', ?, '"old"', 'Active', NULL, 'null', 1, 2, 0, 4, '', 0)`,
    ).run(JSON.stringify({ ...makeSession('old', { messages: 0 }), messages: undefined }));
    db.close();
    const store = new SqliteSessionStore({ path });
    expect(readSchemaVersion(store.database, names)).toBe(SCHEMA_VERSION);
    const indexes = store.database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'agent_sessions_by_%'")
      .pluck()
      .all();
    expect(indexes.sort()).toEqual(['agent_sessions_by_parent', 'agent_sessions_by_updated']);
    expect((await store.get('old'))?.revision).toBe(4);
    expect(await store.appendMessages('old', [makeMessage(0)])).toEqual({ revision: 5 });
    await store.close();
  });

  it('a database from a newer version of this package is refused clearly', () => {
    const path = freshPath();
    new SqliteSessionStore({ path }).close();
    const db = new Database(path);
    db.prepare("UPDATE agent_sessions_meta SET value = 99 WHERE key = 'schema_version'").run();
    db.close();
    expect(() => new SqliteSessionStore({ path })).toThrow(/schema version 99, newer than this/);
  });

  it('the listing statements use the indexes (no full scan, no sort)', () => {
    const store = new SqliteSessionStore({ path: freshPath() });
    const texts = statements(sqlNames('agent_sessions'));
    const params = { updated: 5, id: 'x', limit: 51, parent: 'p' };
    for (const [name, index] of [
      ['listFirst', 'agent_sessions_by_updated'],
      ['listAfter', 'agent_sessions_by_updated'],
      ['listParentAfter', 'agent_sessions_by_parent'],
    ] as const) {
      const statement = store.database.prepare(`EXPLAIN QUERY PLAN ${texts[name]}`);
      const used = Object.fromEntries(Object.entries(params).filter(([k]) => texts[name].includes(`@${k}`)));
      const plan = (statement.all(used) as { detail: string }[]).map((p) => p.detail).join('\n');
      expect(plan, name).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}`));
      expect(plan, name).not.toMatch(/TEMP B-TREE|SCAN agent_sessions$/m);
    }
    void store.close();
  });
});

describe('sqlite: construction', () => {
  it('sqlite: URLs open a working store, with ?table=', async () => {
    const path = freshPath();
    const store = await openSessionStore(`sqlite:${path}?table=chats`);
    await store.save(makeSession('u'));
    expect(store.backendName).toBe('sqlite');
    await store.close();
    const db = new Database(path);
    expect(db.prepare('SELECT id FROM chats').pluck().all()).toEqual(['u']);
    db.close();
    const memory = await openSessionStore('sqlite::memory:');
    await memory.save(makeSession('m'));
    expect(await memory.list()).toEqual(['m']);
    await memory.close();
    await expect(openSessionStore(`sqlite:${path}?table=drop table x`)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(openSessionStore(`sqlite:${path}?colour=red`)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('sqlite:./relative.db opens the file relative to the working directory; maxDocumentBytes travels too', async () => {
    const cwd = process.cwd();
    const sub = join(dir, 'relative');
    mkdirSync(sub);
    process.chdir(sub);
    try {
      const store = await openSessionStore('sqlite:./rel.db?maxDocumentBytes=100000&busyTimeoutMs=200');
      await store.save(makeSession('r'));
      expect(store.capabilities?.maxDocumentBytes).toBe(100_000);
      await expect(store.appendMessages('r', [makeMessage(0, 'x'.repeat(100_000))])).rejects.toBeInstanceOf(
        SessionTooLargeError,
      );
      expect((await store.get('r'))?.revision).toBe(1);
      await store.close();
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(sub, 'rel.db'))).toBe(true);
    await expect(openSessionStore('sqlite:./x.db?maxDocumentBytes=2000000000')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('historyCacheBytes: 64 Mi by default, 0 or a positive integer, also as a URL parameter', async () => {
    expect(new SqliteSessionStore({ path: ':memory:' }).options.historyCacheBytes).toBe(DEFAULT_HISTORY_CACHE_BYTES);
    expect(new SqliteSessionStore({ path: ':memory:', historyCacheBytes: 0 }).options.historyCacheBytes).toBe(0);
    for (const historyCacheBytes of [-1, 1.5, Number.NaN, '8' as unknown as number])
      expect(() => new SqliteSessionStore({ path: ':memory:', historyCacheBytes }), String(historyCacheBytes)).toThrow(
        InvalidArgumentError,
      );
    const store = (await openSessionStore('sqlite::memory:?historyCacheBytes=0')) as SqliteSessionStore;
    expect(store.options.historyCacheBytes).toBe(0);
    await store.close();
    await expect(openSessionStore('sqlite::memory:?historyCacheBytes=lots')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('table names are validated, never spliced into SQL', () => {
    for (const table of ['x; DROP TABLE y', 'a-b', '1abc', '', 'x'.repeat(64), 'quo"te'])
      expect(() => new SqliteSessionStore({ path: ':memory:', table })).toThrow(InvalidArgumentError);
    expect(() => new SqliteSessionStore({})).toThrow(InvalidArgumentError);
  });

  it('a Database passed in stays open after close(); WAL is on for files', async () => {
    const db = new Database(freshPath());
    const store = new SqliteSessionStore({ database: db });
    await store.save(makeSession('x'));
    await store.close();
    expect(db.open).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
