/**
 * What lands in the bucket: plain JSON (plus the whitespace revision mark) or gzip with Content-Encoding, the
 * revision in metadata and never in the document, and documents of tens of MB in both forms, each uploaded from and
 * downloaded into a single buffer of its size.
 */

import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { revisionMark } from '../src/body.js';
import type { S3SessionStore } from '../src/index.js';
import { KeyLayout } from '../src/keys.js';
import { emptyPrefix, openStore, rawClient, runPrefix } from './support/s3.js';
import { s3Service } from './support/service.js';

const s3 = await s3Service();
const root = runPrefix('documents');
const raw = rawClient(s3);
let n = 0;
const fresh = (gzip: boolean) => openStore(s3, `${root}${n++}/`, { gzip, operationTimeoutMs: 60_000 });

afterAll(async () => {
  await emptyPrefix(raw, s3.bucket, root);
  raw.destroy();
});

async function rawObject(store: S3SessionStore, id: string) {
  const key = new KeyLayout(store.prefix).documentKey(id);
  const out = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return { bytes: Buffer.from((await out.Body?.transformToByteArray()) ?? []), out };
}

describe('stored form', () => {
  it('plain: the JSON, a newline and the revision in spaces and tabs; the revision is metadata only', async () => {
    const store = fresh(false);
    const doc = makeSession('plain', { messages: 2 });
    await store.save(doc);
    await store.save(doc);
    const { bytes, out } = await rawObject(store, 'plain');
    expect(bytes.toString('utf8')).toBe(`${JSON.stringify(doc)}${revisionMark(2)}`);
    expect(revisionMark(2)).toBe('\n\t ');
    expect(out.Metadata?.revision).toBe('2');
    expect(out.ContentEncoding).toBeUndefined();
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(doc);
    expect(Object.keys((await store.load('plain')) ?? {})).not.toContain('revision');
    await store.close();
  });

  it('the same bytes saved twice still get different ETags (If-Match cannot be fooled by restored bytes)', async () => {
    const store = fresh(false);
    const doc = makeSession('aba');
    await store.save(doc);
    const key = new KeyLayout(store.prefix).documentKey('aba');
    const first = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    await store.save(doc);
    const second = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(second.ETag).not.toBe(first.ETag);
    await store.close();
  });

  it('gzip: Content-Encoding gzip, gzip bytes, and a plain store reads it too', async () => {
    const store = fresh(true);
    const doc = makeSession('zipped', { messages: 30 });
    await store.save(doc);
    const { bytes, out } = await rawObject(store, 'zipped');
    expect(out.ContentEncoding).toBe('gzip');
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(bytes.length).toBeLessThan(JSON.stringify(doc).length / 3);
    expect(await store.load('zipped')).toEqual(doc);
    const plain = openStore(s3, store.prefix);
    expect(await plain.get('zipped')).toEqual({ session: doc, revision: 1 });
    await plain.appendMessages('zipped', [makeMessage(30)]);
    expect((await store.load('zipped'))?.messages).toHaveLength(31);
    await plain.close();
    await store.close();
  });
});

describe('large documents', () => {
  for (const gzip of [false, true]) {
    it(`a ~30 MB session round-trips ${gzip ? 'with' : 'without'} gzip`, async () => {
      const store = fresh(gzip);
      const doc = makeSession(`large-${gzip}`, {
        messages: 12_000,
        messageText: (i) => `${i} ${'lorem ipsum dolor sit amet '.repeat(90)}`,
      });
      const size = Buffer.byteLength(JSON.stringify(doc)) + revisionMark(1).length;
      expect(size).toBeGreaterThan(25_000_000);
      // Every large buffer the store allocates itself: one for the upload, one for the download, each exactly the
      // document's size (a body collected as chunks and joined, or a buffer grown on the way, would show here).
      const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
      const large = () => allocations.mock.calls.map(([n]) => n).filter((n) => n >= 1_000_000);
      try {
        expect(await store.save(doc)).toEqual({ revision: 1 });
        expect(large()).toEqual([size]);
        allocations.mockClear();
        const back = await store.get(doc.id);
        expect(large()).toEqual([size]);
        expect(back?.revision).toBe(1);
        expect(back?.session).toEqual(doc);
      } finally {
        allocations.mockRestore();
      }
      expect((await store.listSessions()).sessions[0]?.message_count).toBe(12_000);
      await store.close();
    }, 120_000);
  }
});
