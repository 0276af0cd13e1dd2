/** Options, identifiers, ownership of the connection, NUL characters and corrupt rows. */
import {
  InvalidArgumentError,
  type Message,
  SessionCorruptError,
  StoreClosedError,
} from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, DEFAULT_MAX_DOCUMENT_BYTES, derivedName, PostgresSessionStore } from '../src/index.js';
import { openTestDatabase, TEST_TIMEOUT_MS, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('store');
});
afterAll(async () => {
  await db?.cleanup();
});

async function tablesOf(schema: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ name: string }>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
    [schema],
  );
  return rows.map((r) => r.name);
}

describe('options', () => {
  it('refuses schema and table names that are not plain identifiers', () => {
    const bad = ['', '1abc', 'a-b', 'x"; DROP TABLE t; --', 'a b', 'é', 'a'.repeat(64), 'tab\u0000'];
    for (const name of bad) {
      expect(() => new PostgresSessionStore({ pool: db.pool, table: name }), name).toThrow(InvalidArgumentError);
      expect(() => new PostgresSessionStore({ pool: db.pool, schema: name }), name).toThrow(InvalidArgumentError);
    }
    expect(() => new PostgresSessionStore({ pool: db.pool, table: 42 as unknown as string })).toThrow(
      InvalidArgumentError,
    );
  });

  it('needs exactly one connection and valid numbers', () => {
    expect(() => new PostgresSessionStore({})).toThrow(/one of connectionString, pool or client/);
    expect(() => new PostgresSessionStore({ pool: db.pool, connectionString: db.url })).toThrow(InvalidArgumentError);
    expect(() => new PostgresSessionStore('mysql://localhost/x')).toThrow(InvalidArgumentError);
    expect(() => new PostgresSessionStore({ pool: {} as pg.Pool })).toThrow(InvalidArgumentError);
    expect(() => new PostgresSessionStore({ pool: db.pool, poolConfig: { max: 2 } })).toThrow(InvalidArgumentError);
    for (const operationTimeoutMs of [0, -1, 1.5, Number.NaN])
      expect(() => new PostgresSessionStore({ pool: db.pool, operationTimeoutMs })).toThrow(InvalidArgumentError);
    expect(() => new PostgresSessionStore({ pool: db.pool, maxDocumentBytes: 0 })).toThrow(InvalidArgumentError);
  });

  it('has documented defaults and frozen options', () => {
    const store = createPostgresStore({ pool: db.pool });
    expect(store.backendName).toBe('postgres');
    expect(store.options).toMatchObject({ schema: 'public', table: 'agent_sessions', operationTimeoutMs: 10_000 });
    expect(store.capabilities.maxDocumentBytes).toBe(DEFAULT_MAX_DOCUMENT_BYTES);
    expect(Object.isFrozen(store.options)).toBe(true);
  });

  it('shortens derived names past 63 characters without clashing', () => {
    const a = derivedName(`${'t'.repeat(60)}a`, 'messages');
    const b = derivedName(`${'t'.repeat(60)}b`, 'messages');
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(derivedName('short', 'messages')).toBe('short_messages');
  });
});

describe('identifiers', () => {
  it('quotes schema and table names, keeping their case, and works with 63-character names', async () => {
    const schema = `${db.schema}_Mixed`.slice(0, 63);
    const table = `Sessions_${'x'.repeat(54)}`;
    const store = new PostgresSessionStore({ pool: db.pool, schema, table });
    try {
      const doc = makeSession('quoted', { messages: 2 });
      await store.save(doc);
      expect(await store.load('quoted')).toEqual(doc);
      const tables = await tablesOf(schema);
      expect(tables).toContain(table);
      expect(tables).toHaveLength(3);
      for (const name of tables) expect(name.length).toBeLessThanOrEqual(63);
      expect(await tablesOf(schema.toLowerCase())).toEqual([]);
    } finally {
      await store.close();
      await db.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});

describe('connections', () => {
  it('a Client is used one operation at a time, and close() leaves it open', async () => {
    const client = new pg.Client({ connectionString: db.url, query_timeout: TEST_TIMEOUT_MS });
    await client.connect();
    try {
      const store = new PostgresSessionStore({ client, schema: db.schema, table: 'on_client' });
      await store.save(makeSession('c', { messages: 1 }));
      // Transactions (delete) and single statements interleaved on one connection.
      const work = Array.from({ length: 16 }, (_, i) =>
        i % 4 === 3
          ? store.delete(`other-${i}`).then(() => store.save(makeSession(`other-${i}`)))
          : store.appendMessages('c', [makeMessage(i)]),
      );
      const results = await Promise.all(work);
      expect(results.filter((r) => typeof r === 'object' && 'revision' in r)).toHaveLength(16);
      expect((await store.get('c'))?.revision).toBe(13);
      expect((await store.load('c'))?.messages).toHaveLength(13);
      await store.close();
      await expect(store.list()).rejects.toBeInstanceOf(StoreClosedError);
      expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('close() leaves a Pool it was given open, and ends the pool it created', async () => {
    const shared = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'owned' });
    await shared.save(makeSession('p'));
    await shared.close();
    expect((await db.pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);

    const app = `sp-owned-${process.pid}-${Date.now()}`;
    const owner = new PostgresSessionStore({
      connectionString: db.url,
      poolConfig: { application_name: app, max: 2 },
      schema: db.schema,
      table: 'owned',
    });
    expect(await owner.exists('p')).toBe(true);
    const count = async () =>
      Number(
        (await db.pool.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0]
          .n,
      );
    expect(await count()).toBeGreaterThan(0);
    await owner.close();
    // The server notices a closed connection asynchronously: poll briefly (no timing is asserted).
    let n = await count();
    for (let i = 0; i < 50 && n > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      n = await count();
    }
    expect(n).toBe(0);
  });
});

describe('delete racing a create of the same id', () => {
  it('a delete that found no session never removes the messages of one created meanwhile', async () => {
    // The deleting store's connection stops before any statement on the messages table, while another store
    // creates the session: a delete that ran its messages statement then would strip the new session's messages.
    const client = new pg.Client({ connectionString: db.url, query_timeout: TEST_TIMEOUT_MS });
    await client.connect();
    const table = 'delete_race';
    const creator = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table });
    await creator.migrate();
    const created = makeSession('raced', { messages: 3 });
    let createdDuringDelete = false;
    const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<unknown>;
    (client as unknown as { query: typeof query }).query = async (config, values) => {
      const text = typeof config === 'string' ? config : (config as { text: string }).text;
      if (/^DELETE FROM .*_messages/s.test(text) && !createdDuringDelete) {
        createdDuringDelete = true;
        await creator.save(created);
      }
      return query(config, values);
    };
    try {
      const deleter = new PostgresSessionStore({ client, schema: db.schema, table });
      expect(await deleter.delete('raced')).toBe(false);
      if (!createdDuringDelete) await creator.save(created); // the delete never touched the messages table
      expect(await creator.load('raced')).toEqual(created);
      expect(await deleter.load('raced')).toEqual(created);
      await deleter.close();
    } finally {
      await client.end();
    }
  });

  it('a create over message rows left under its id (no session row) replaces them all', async () => {
    const table = 'leftover_rows';
    const store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table });
    await store.migrate();
    for (const messages of [2, 0]) {
      const msgs = `"${db.schema}"."${table}_messages"`;
      await db.pool.query(`INSERT INTO ${msgs} (session_id, seq, message_count, body) VALUES
        ('left', 0, 1, '{"role":"user","content":"stale 0"}'), ('left', 1, 2, 'not json'), ('left', 9, 1, '[')`);
      const doc = makeSession('left', { messages });
      expect(await store.save(doc)).toEqual({ revision: 1 });
      expect(await store.load('left')).toEqual(doc);
      const { rows } = await db.pool.query(`SELECT seq FROM ${msgs} WHERE session_id = 'left' ORDER BY seq`);
      expect(rows.map((r) => r.seq)).toEqual(messages > 0 ? [0] : []);
      expect(await store.delete('left')).toBe(true);
    }
  });
});

describe('stored text', () => {
  it('keeps NUL and astral characters everywhere: messages, tool input keys, name, parent_id, unknown keys', async () => {
    const store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'nul' });
    // Lone surrogates are refused by the schema (a3s-code cannot read them); NUL is what text columns cannot hold.
    const weird = 'a\u0000b😀c\u{10ffff}d';
    const doc = makeSession(`nul-${'x'}`, { messages: 0, name: weird, parentId: `parent${weird}` });
    const message: Message = {
      role: 'assistant',
      content: [
        { type: 'text', text: weird },
        { type: 'tool_use', id: 't', name: 'n', input: { [weird]: [weird, '\u0000'] } },
      ],
    };
    doc.messages.push(message);
    (doc as Record<string, unknown>).unknown_key = { [weird]: weird };
    await store.save(doc);
    expect(await store.load(doc.id)).toEqual(doc);
    const [summary] = (await store.listSessions({ parentId: `parent${weird}` })).sessions;
    expect(summary).toMatchObject({ id: doc.id, name: weird, parent_id: `parent${weird}` });
    // Stored as the JSON escape, six plain characters: neither jsonb nor text could hold the character itself.
    const { rows } = await db.pool.query(`SELECT body FROM "${db.schema}"."nul_messages" WHERE session_id = $1`, [
      doc.id,
    ]);
    expect(rows[0].body).toContain('\\u0000');
    expect(rows[0].body).not.toContain('\u0000');
    await store.close();
  });
});

describe('keys that look like prototypes', () => {
  it('an own "__proto__" key at the top level stays data, with an object or a scalar value', async () => {
    const store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'proto' });
    for (const value of [false, { state: 'Paused', polluted: true }]) {
      const doc = makeSession(`proto-${typeof value}`, { messages: 1 });
      Object.defineProperty(doc, '__proto__', { value, enumerable: true, writable: true, configurable: true });
      await store.save(doc);
      const loaded = (await store.load(doc.id)) as Record<string, unknown>;
      expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
      expect(Object.hasOwn(loaded, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(loaded, '__proto__')?.value).toEqual(value);
      expect(loaded.state).toBe('Active');
      expect((loaded as { polluted?: unknown }).polluted).toBeUndefined();
      expect(loaded).toEqual(doc);
    }
    await store.close();
  });
});

describe('corrupt rows', () => {
  let store: PostgresSessionStore;
  const t = () => `"${db.schema}"."bad"`;
  const m = () => `"${db.schema}"."bad_messages"`;
  beforeAll(async () => {
    store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'bad' });
  });
  afterAll(async () => {
    await store.close();
  });

  /** Stores three messages as three segment rows (seq 0, 1, 2: one save, then two saves adding one each). */
  async function corruptWith(id: string, sql: string): Promise<SessionCorruptError> {
    const doc = makeSession(id, { messages: 3 });
    for (const n of [1, 2, 3]) await store.save({ ...doc, messages: doc.messages.slice(0, n) });
    await db.pool.query(sql, [id]);
    const error = await store.load(id).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionCorruptError);
    const corrupt = error as SessionCorruptError;
    expect(corrupt.record).toBe(`postgres:${db.schema}.bad/${id}`);
    expect(corrupt.sessionId).toBe(id);
    return corrupt;
  }

  it('a segment row that is not JSON', async () => {
    await corruptWith('m-json', `UPDATE ${m()} SET body = '{"role": "us' WHERE session_id = $1 AND seq = 1`);
  });

  it('a segment row holding more messages than it records', async () => {
    await corruptWith('m-two', `UPDATE ${m()} SET body = body || ',' || body WHERE session_id = $1 AND seq = 2`);
  });

  it('a missing segment row, and a segment recording more messages than the session', async () => {
    const e = await corruptWith('m-gap', `DELETE FROM ${m()} WHERE session_id = $1 AND seq = 1`);
    expect(e.message).toMatch(/3 messages but its segments hold 2/);
    const f = await corruptWith('m-count', `UPDATE ${m()} SET message_count = 2 WHERE session_id = $1 AND seq = 1`);
    expect(f.message).toMatch(/3 messages but its segments hold 4/);
  });

  it('an integer beyond 2^53 in a message', async () => {
    await corruptWith(
      'm-big',
      `UPDATE ${m()} SET body = '{"role":"user","content":[{"type":"text","text":"x"}],"n":12345678901234567890}'
       WHERE session_id = $1 AND seq = 0`,
    );
  });

  it('a head that is not an object, or misses a required field', async () => {
    await corruptWith('h-array', `UPDATE ${t()} SET head = '[1]' WHERE id = $1`);
    const e = await corruptWith('h-field', `UPDATE ${t()} SET head = (head::jsonb - 'config')::text WHERE id = $1`);
    expect(e.message).toMatch(/config/);
  });

  it('listing reads only summary columns, so it still answers over a corrupt document', async () => {
    await store.save(makeSession('listed', { messages: 2, updatedAt: 2_000_000_000 }));
    await db.pool.query(`UPDATE ${t()} SET head = 'garbage' WHERE id = 'listed'`);
    await db.pool.query(`UPDATE ${m()} SET body = 'garbage' WHERE session_id = 'listed'`);
    const page = await store.listSessions({ limit: 1 });
    expect(page.sessions[0]).toMatchObject({ id: 'listed', message_count: 2, revision: 1 });
    expect(await store.exists('listed')).toBe(true);
  });
});
