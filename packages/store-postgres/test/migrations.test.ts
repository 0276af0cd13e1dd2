/** Migrations: concurrent start from several processes, upgrade in place, refusal of a newer schema. */
import { digestSegment, StoreAccessError } from '@agent-sessions/core/adapter';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_VERSION, migrate, PostgresSessionStore, tableNames } from '../src/index.js';
import { runTogether, spawnChild } from './children.js';
import { openTestDatabase, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('migrations');
});
afterAll(async () => {
  await db?.cleanup();
});

async function versions(schema: string, table: string): Promise<number[]> {
  const t = tableNames(schema, table);
  const { rows } = await db.pool.query(`SELECT version FROM "${schema}"."${t.migrations}" ORDER BY version`);
  return rows.map((r) => r.version);
}

async function indexes(schema: string, table: string): Promise<string[]> {
  const { rows } = await db.pool.query(
    'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY 1',
    [schema, table],
  );
  return rows.map((r) => r.indexname);
}

/** The TOAST compression set on the messages table's body column: 'l' (lz4), 'p' (pglz) or '' (the default). */
async function bodyCompression(schema: string, table: string): Promise<string> {
  const t = tableNames(schema, table);
  const { rows } = await db.pool.query(
    `SELECT attcompression::text AS c FROM pg_attribute
     WHERE attrelid = format('%I.%I', $1::text, $2::text)::regclass AND attname = 'body'`,
    [schema, t.messages],
  );
  return rows[0].c;
}

/** Whether this server can compress with LZ4 (PostgreSQL 14+ built with lz4). */
async function lz4Available(): Promise<boolean> {
  const client = await db.pool.connect();
  try {
    await client.query('CREATE TEMP TABLE lz4_probe (x text COMPRESSION lz4)');
    await client.query('DROP TABLE lz4_probe');
    return true;
  } catch {
    return false;
  } finally {
    client.release();
  }
}

describe('migrations', () => {
  it('several processes starting at once on a fresh schema migrate it exactly once', async () => {
    // The schema does not exist yet: the children race on CREATE SCHEMA as well as on the tables.
    const schema = `${db.schema}_race`;
    try {
      const children = ['a', 'a', 'b', 'b'].map((table) => spawnChild('migrate.ts', [db.url, schema, table]));
      const results = await runTogether(children);
      expect(results).toEqual(results.map(() => ({ ok: true })));
      for (const table of ['a', 'b']) {
        expect(await versions(schema, table)).toEqual([1, 2, 3, 4, 5]);
        // A server without LZ4 (before 14, or built without it) keeps the default; this one is checked when it has it.
        if (await lz4Available()) expect(await bodyCompression(schema, table)).toBe('l');
        expect(await indexes(schema, table)).toEqual([`${table}_list_idx`, `${table}_parent_idx`, `${table}_pkey`]);
      }
    } finally {
      await db.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 90_000);

  it('upgrades a table at version 1 in place, keeping its rows', async () => {
    const names = tableNames(db.schema, 'old');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      expect(await migrate((text, values) => client.query(text, [...values]).then((r) => r.rows), names, 1)).toEqual([
        1,
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await versions(db.schema, 'old')).toEqual([1]);
    expect(await indexes(db.schema, 'old')).toEqual(['old_pkey']);

    // A session as a version-1 writer stored it.
    const doc = makeSession('from-v1', { messages: 3, parentId: 'root' });
    const { messages, ...head } = doc;
    const headJson = JSON.stringify(head);
    const messageJsons = messages.map((m) => JSON.stringify(m));
    await db.pool.query(
      `INSERT INTO "${db.schema}"."old" (id, revision, name_json, state, created_at, updated_at, parent_id_json,
        message_count, messages_digest, document_bytes, head) VALUES ($1, 7, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        doc.id,
        JSON.stringify(doc.config.name),
        doc.state,
        doc.created_at,
        doc.updated_at,
        JSON.stringify('root'),
        3,
        digestSegment(messageJsons.join(','), messageJsons.length),
        Buffer.byteLength(JSON.stringify(doc)),
        headJson,
      ],
    );
    for (const [seq, body] of messageJsons.entries())
      await db.pool.query(`INSERT INTO "${db.schema}"."old_messages" (session_id, seq, body) VALUES ($1, $2, $3)`, [
        doc.id,
        seq,
        body,
      ]);

    const store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'old' });
    expect(await store.get('from-v1')).toEqual({ session: doc, revision: 7 });
    expect(await versions(db.schema, 'old')).toEqual([1, 2, 3, 4, 5]);
    expect(LATEST_VERSION).toBe(5);
    expect(await indexes(db.schema, 'old')).toEqual(['old_list_idx', 'old_parent_idx', 'old_pkey']);
    expect((await store.listSessions({ parentId: 'root' })).sessions.map((s) => s.id)).toEqual(['from-v1']);
    // Version 1's rows (one message each) are segments of one: new segments go after them, a rewrite replaces them.
    expect(await store.appendMessages('from-v1', [makeMessage(3)])).toEqual({ revision: 8 });
    const longer = { ...doc, messages: [...doc.messages, makeMessage(3), makeMessage(4), makeMessage(5)] };
    expect(await store.save(longer)).toEqual({ revision: 9 });
    const segments = async () =>
      (
        await db.pool.query(
          `SELECT seq, message_count AS n FROM "${db.schema}"."old_messages" WHERE session_id = $1 ORDER BY seq`,
          [doc.id],
        )
      ).rows;
    expect(await segments()).toEqual([
      { seq: 0, n: 1 },
      { seq: 1, n: 1 },
      { seq: 2, n: 1 },
      { seq: 3, n: 1 },
      { seq: 4, n: 2 },
    ]);
    const other = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'old' });
    expect(await other.get('from-v1')).toEqual({ session: longer, revision: 9 });
    const edited = { ...longer, messages: [makeMessage(0, 'edited'), ...longer.messages.slice(1)] };
    await other.save(edited);
    expect(await segments()).toEqual([{ seq: 0, n: 6 }]);
    expect(await store.load('from-v1')).toEqual(edited);
    await other.close();
    await store.close();
  });

  it('refuses a table migrated by a newer version of the package', async () => {
    const first = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'newer' });
    await first.save(makeSession('kept'));
    await first.close();
    await db.pool.query(
      `INSERT INTO "${db.schema}"."newer_migrations" (version, description) VALUES (${LATEST_VERSION + 1}, 'future')`,
    );
    const store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'newer' });
    const error = await store.load('kept').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreAccessError);
    expect(String(error)).toMatch(/upgrade the package/);
    await store.close();
  });
});
