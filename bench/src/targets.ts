/**
 * What each comparison runs against: per backend, our store (opened by URL, the way applications do), the raw
 * driver doing the same work on the same server, and the peer libraries that can store the same documents.
 * Raw save = JSON.stringify + the driver's write; raw load = the driver's read + JSON.parse: what an application
 * using the driver directly would do.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EncryptionOptions, openSessionStore, type SessionStore } from '@agent-sessions/core';
import { getPostgres, getRedis, getS3, uniqueNamespace } from '@agent-sessions/test-services';

/** A key-value writer/reader of whole documents: the raw driver or a peer library. */
export interface DocumentKv {
  save(id: string, doc: unknown): Promise<void>;
  load(id: string): Promise<unknown>;
}

export interface Target {
  backend: string;
  /** The driver's name, for the table. */
  driver: string;
  /** Our store; `encryption`: the same store encrypted, over a location of its own. */
  store(encryption?: EncryptionOptions): Promise<SessionStore>;
  raw: DocumentKv;
  peers: Record<string, DocumentKv>;
  cleanup(): Promise<void>;
}

export const BACKENDS = ['file', 'sqlite', 'redis', 'postgres', 's3'] as const;
export type Backend = (typeof BACKENDS)[number];

async function fileTarget(): Promise<Target> {
  const root = mkdtempSync(join(tmpdir(), 'bench-file-'));
  const rawDir = join(root, 'raw');
  mkdirSync(rawDir);
  const { createStorage } = await import('unstorage');
  const { default: fsDriver } = await import('unstorage/drivers/fs');
  const unstorage = createStorage({ driver: fsDriver({ base: join(root, 'unstorage') }) });
  // The bare atomic replace: write a temp file, fsync, rename (pretty JSON, as the file store writes).
  const rawSave = async (id: string, doc: unknown) => {
    const target = join(rawDir, `${id}.json`);
    const temp = `${target}.${process.pid}.tmp`;
    const fh = await open(temp, 'w');
    await fh.writeFile(JSON.stringify(doc, null, 2));
    await fh.sync();
    await fh.close();
    await rename(temp, target);
  };
  const rawLoad = async (id: string) => JSON.parse(await readFile(join(rawDir, `${id}.json`), 'utf8'));
  return {
    backend: 'file',
    driver: 'node:fs',
    store: (encryption) => openSessionStore(`file:${join(root, encryption ? 'store-enc' : 'store')}`, { encryption }),
    raw: { save: rawSave, load: rawLoad },
    peers: {
      // The store also fsyncs the folder after the rename (so the rename itself survives a crash): the same work.
      'raw node:fs + folder fsync': {
        async save(id, doc) {
          await rawSave(id, doc);
          const dir = await open(rawDir, 'r');
          await dir.sync();
          await dir.close();
        },
        load: (id) => rawLoad(id),
      },
      'unstorage fs': { save: (id, doc) => unstorage.setItem(id, doc as never), load: (id) => unstorage.getItem(id) },
    },
    async cleanup() {
      await unstorage.dispose();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function sqliteTarget(): Promise<Target> {
  const root = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(root, 'raw.db'));
  db.pragma('journal_mode = WAL');
  // better-sqlite3 builds SQLite with WAL synchronous=NORMAL; the store defaults to FULL (an fsync per commit).
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL)');
  const upsert = db.prepare(
    'INSERT INTO docs (id, doc) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc',
  );
  const select = db.prepare<[string], { doc: string }>('SELECT doc FROM docs WHERE id = ?');
  const { default: Keyv } = await import('keyv');
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  const keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${join(root, 'keyv.db')}` }) });
  return {
    backend: 'sqlite',
    driver: 'better-sqlite3',
    store: (encryption) =>
      openSessionStore(`sqlite:${join(root, encryption ? 'store-enc.db' : 'store.db')}`, { encryption }),
    raw: {
      async save(id, doc) {
        upsert.run(id, JSON.stringify(doc));
      },
      async load(id) {
        return JSON.parse(select.get(id)!.doc);
      },
    },
    peers: {
      'keyv @keyv/sqlite': { save: async (id, doc) => void (await keyv.set(id, doc)), load: (id) => keyv.get(id) },
    },
    async cleanup() {
      await keyv.disconnect();
      db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function redisTarget(): Promise<Target> {
  const service = await getRedis();
  const ns = uniqueNamespace('bench');
  const { Redis } = await import('ioredis');
  const client = new Redis(service.url);
  const { default: Keyv } = await import('keyv');
  const { default: KeyvRedis } = await import('@keyv/redis');
  const keyv = new Keyv({ store: new KeyvRedis(service.url), namespace: `${ns}-keyv` });
  const { createStorage } = await import('unstorage');
  const { default: redisDriver } = await import('unstorage/drivers/redis');
  const unstorage = createStorage({ driver: redisDriver({ url: service.url, base: `${ns}-unstorage` }) });
  const stores: SessionStore[] = [];
  return {
    backend: 'redis',
    driver: 'ioredis',
    async store(encryption) {
      const prefix = encodeURIComponent(`${ns}${encryption ? '-enc' : ''}:`);
      const store = await openSessionStore(`${service.url}?prefix=${prefix}`, { encryption });
      stores.push(store);
      return store;
    },
    raw: {
      async save(id, doc) {
        await client.set(`${ns}-raw:${id}`, JSON.stringify(doc));
      },
      async load(id) {
        return JSON.parse((await client.get(`${ns}-raw:${id}`))!);
      },
    },
    peers: {
      'keyv @keyv/redis': { save: async (id, doc) => void (await keyv.set(id, doc)), load: (id) => keyv.get(id) },
      'unstorage redis': {
        save: (id, doc) => unstorage.setItem(id, doc as never),
        load: (id) => unstorage.getItem(id),
      },
    },
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `*${ns}*`, 'COUNT', 1000);
        if (keys.length) await client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
      await keyv.disconnect();
      await unstorage.dispose();
      client.disconnect();
      await service.stop();
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const service = await getPostgres();
  const schema = uniqueNamespace('bench');
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: service.url, max: 4 });
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.docs (id text PRIMARY KEY, doc text NOT NULL)`);
  const { default: Keyv } = await import('keyv');
  const { default: KeyvPostgres } = await import('@keyv/postgres');
  const keyv = new Keyv({ store: new KeyvPostgres({ uri: service.url, schema, table: 'keyv' }) });
  return {
    backend: 'postgres',
    driver: 'pg',
    store: (encryption) =>
      openSessionStore(
        `${service.url}${service.url.includes('?') ? '&' : '?'}schema=${schema}&table=sessions${encryption ? '_enc' : ''}`,
        { encryption },
      ),
    raw: {
      async save(id, doc) {
        await pool.query(
          `INSERT INTO ${schema}.docs (id, doc) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`,
          [id, JSON.stringify(doc)],
        );
      },
      async load(id) {
        const { rows } = await pool.query<{ doc: string }>(`SELECT doc FROM ${schema}.docs WHERE id = $1`, [id]);
        return JSON.parse(rows[0]!.doc);
      },
    },
    peers: {
      'keyv @keyv/postgres': { save: async (id, doc) => void (await keyv.set(id, doc)), load: (id) => keyv.get(id) },
    },
    async cleanup() {
      await keyv.disconnect();
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
      await service.stop();
    },
  };
}

async function s3Target(): Promise<Target> {
  const service = await getS3();
  const prefix = uniqueNamespace('bench');
  const { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectsCommand } = await import(
    '@aws-sdk/client-s3'
  );
  process.env.AWS_ACCESS_KEY_ID = service.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = service.secretAccessKey;
  const client = new S3Client({
    endpoint: service.endpoint,
    region: service.region,
    forcePathStyle: true,
    credentials: { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey },
  });
  const params = new URLSearchParams({ endpoint: service.endpoint, region: service.region, forcePathStyle: 'true' });
  if (!service.conditionalWrites) params.set('conditionalWrites', 'false');
  return {
    backend: 's3',
    driver: `@aws-sdk/client-s3 (${service.source})`,
    store: (encryption) =>
      openSessionStore(`s3://${service.bucket}/${prefix}/store${encryption ? '-enc' : ''}?${params}`, { encryption }),
    raw: {
      async save(id, doc) {
        await client.send(
          new PutObjectCommand({ Bucket: service.bucket, Key: `${prefix}/raw/${id}.json`, Body: JSON.stringify(doc) }),
        );
      },
      async load(id) {
        const out = await client.send(
          new GetObjectCommand({ Bucket: service.bucket, Key: `${prefix}/raw/${id}.json` }),
        );
        return JSON.parse(await out.Body!.transformToString());
      },
    },
    peers: {},
    async cleanup() {
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: service.bucket, Prefix: `${prefix}/` }));
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length === 0) break;
        await client.send(new DeleteObjectsCommand({ Bucket: service.bucket, Delete: { Objects: keys } }));
      }
      client.destroy();
      await service.stop();
    },
  };
}

export async function openTarget(backend: Backend): Promise<Target> {
  switch (backend) {
    case 'file':
      return fileTarget();
    case 'sqlite':
      return sqliteTarget();
    case 'redis':
      return redisTarget();
    case 'postgres':
      return postgresTarget();
    case 's3':
      return s3Target();
  }
}

export const newId = (): string => randomUUID();
