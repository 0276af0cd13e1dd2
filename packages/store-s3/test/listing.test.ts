/**
 * Listing over the index markers: continuation tokens over thousands of objects, summaries from metadata (no
 * document reads), stale markers skipped and removed, long ids in the right order, oversized summaries.
 */

import { compareSummaries, mapLimit, SessionCorruptError, type SessionSummary } from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import type { S3SessionStore } from '../src/index.js';
import { KeyLayout } from '../src/keys.js';
import { emptyPrefix, listKeys, openStore, rawClient, runPrefix } from './support/s3.js';
import { s3Service } from './support/service.js';

const s3 = await s3Service();
const root = runPrefix('listing');
const raw = rawClient(s3);
let n = 0;
const fresh = () => openStore(s3, `${root}${n++}/`);

afterAll(async () => {
  await emptyPrefix(raw, s3.bucket, root);
  expect(await listKeys(raw, s3.bucket, root)).toEqual([]);
  raw.destroy();
}, 120_000);

async function allPages(store: S3SessionStore, limit: number, parentId?: string): Promise<SessionSummary[]> {
  const out: SessionSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSessions({ limit, cursor, parentId });
    out.push(...page.sessions);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe('many sessions', () => {
  it('2,500 sessions: list() and listSessions follow continuation tokens and see each once', async () => {
    const store = fresh();
    const ids = Array.from({ length: 2_500 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    // Bounded concurrency: a real server (and the 2-core test machine) should not get 2,500 requests at once.
    await mapLimit(ids, 16, (id) => store.save(makeSession(id, { updatedAt: 1_000 + (Number(id.slice(1)) % 97) })));
    const listed = await store.list();
    expect(listed).toHaveLength(2_500);
    expect([...listed].sort()).toEqual(ids);
    const pages = await allPages(store, 1_000);
    expect(pages).toHaveLength(2_500);
    expect(new Set(pages.map((s) => s.id)).size).toBe(2_500);
    expect([...pages].sort(compareSummaries)).toEqual(pages);
    await store.close();
    // 7,500 objects (documents and markers): removed here, under this test's time limit.
    await emptyPrefix(raw, s3.bucket, store.prefix);
  }, 300_000);
});

describe('index markers', () => {
  it('listSessions answers from metadata: a document with damaged bytes still lists, load reports it', async () => {
    const store = fresh();
    await store.save(makeSession('whole', { messages: 4, name: 'Whole', updatedAt: 20 }));
    await store.save(makeSession('damaged', { messages: 7, name: 'Damaged', updatedAt: 10 }));
    const key = new KeyLayout(store.prefix).documentKey('damaged');
    const head = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    await head.Body?.transformToByteArray();
    // Same metadata, garbage bytes: only a listing that never opens the document can still be right.
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'garbage', Metadata: head.Metadata }));
    const { sessions } = await store.listSessions();
    expect(sessions.map((s) => [s.id, s.name, s.message_count])).toEqual([
      ['whole', 'Whole', 4],
      ['damaged', 'Damaged', 7],
    ]);
    expect(await store.load('damaged').catch((e) => e)).toBeInstanceOf(SessionCorruptError);
    await store.close();
  });

  it('markers whose document is gone or has moved are skipped and removed', async () => {
    const store = fresh();
    const layout = new KeyLayout(store.prefix);
    await store.save(makeSession('kept', { updatedAt: 5 }));
    await store.save(makeSession('vanished', { updatedAt: 6, parentId: 'p' }));
    await store.save(makeSession('moved', { updatedAt: 7 }));
    // A writer that died between its two steps, and a delete done behind the store's back.
    const staleMarker = layout.indexKeys('moved', 99, null)[0] as string;
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: staleMarker, Body: '', ContentLength: 0 }));
    await raw.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: layout.documentKey('vanished') }));
    expect((await store.listSessions()).sessions.map((s) => s.id)).toEqual(['moved', 'kept']);
    expect((await store.listSessions({ parentId: 'p' })).sessions).toEqual([]);
    const keys = await listKeys(raw, s3.bucket, store.prefix);
    expect(keys).not.toContain(staleMarker);
    expect(keys.filter((k) => k.includes('.index/') || k.includes('.children/'))).toHaveLength(2);
    await store.close();
  });

  it('a new updated_at or parent moves the markers; a delete removes them', async () => {
    const store = fresh();
    await store.save(makeSession('m', { updatedAt: 1, parentId: 'old' }));
    await store.save(makeSession('m', { updatedAt: 2, parentId: 'new' }));
    expect((await store.listSessions({ parentId: 'old' })).sessions).toEqual([]);
    expect((await store.listSessions({ parentId: 'new' })).sessions.map((s) => s.updated_at)).toEqual([2]);
    const markers = (await listKeys(raw, s3.bucket, store.prefix)).filter((k) => !k.endsWith('.json'));
    expect(markers).toHaveLength(2);
    expect(await store.delete('m')).toBe(true);
    expect(await listKeys(raw, s3.bucket, store.prefix)).toEqual([]);
    await store.close();
  });

  it('long ids that share their first 102 bytes list in id order across pages', async () => {
    const store = fresh();
    const head = 'q'.repeat(150);
    const ids = ['z', 'b', 'y', 'a', 'c'].map((tail) => `${head}${tail}`);
    for (const id of ids) await store.save(makeSession(id, { updatedAt: 3 }));
    await store.save(makeSession('short', { updatedAt: 3 }));
    const pages = await allPages(store, 1);
    expect(pages.map((s) => s.id)).toEqual([...ids.sort(), 'short']);
    expect([...(await store.list())].sort()).toEqual([...ids, 'short'].sort());
    await store.close();
  });

  it('a summary too large for object metadata is read from the document', async () => {
    const store = fresh();
    const name = 'ü'.repeat(3_000);
    await store.save(makeSession('big-name', { name, updatedAt: 4, parentId: 'P'.repeat(200) }));
    const [summary] = (await store.listSessions({ parentId: 'P'.repeat(200) })).sessions;
    expect(summary).toMatchObject({ id: 'big-name', name, parent_id: 'P'.repeat(200), revision: 1 });
    await store.close();
  });
});
