/**
 * Document bytes: uploads are one buffer written once from the JSON; reads stream the body (and its gzip
 * decompression) into one buffer of the expected size instead of collecting chunks and joining them.
 */
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { SessionCorruptError } from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { encodeBody, readBody, revisionMark } from '../src/body.js';

const record = 's3://bucket/app/doc.json';
const text = Buffer.from(`{"id":"doc","text":"${'héllo wörld '.repeat(50_000)}"}\n\t `);

/** A Node stream of `bytes` in chunks of `size`, as the SDK hands out GetObject bodies. */
function chunked(bytes: Uint8Array, size = 16 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(chunks, { objectMode: false });
}

/** A stream that sends some bytes, then fails the way a dropped connection does. */
function failing(bytes: Uint8Array): Readable {
  const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  return Readable.from(
    (async function* () {
      yield Buffer.from(bytes.subarray(0, 1000));
      throw error;
    })(),
  );
}

describe('encodeBody', () => {
  it('plain: one buffer of exactly the JSON and the revision mark', async () => {
    const json = JSON.stringify({ id: 'x', note: 'ünïcode 😀' });
    const { body, size } = await encodeBody(json, 5, false);
    expect(Buffer.isBuffer(body)).toBe(true);
    expect(body.toString('utf8')).toBe(json + revisionMark(5));
    expect(size).toBe(body.length);
    // Its own memory, not a slice of a larger (pooled or over-allocated) buffer.
    expect(body.buffer.byteLength).toBe(body.length);
  });

  it('gzip: the compressed text, and the uncompressed size for readers', async () => {
    const json = JSON.stringify({ id: 'x', text: 'a'.repeat(10_000) });
    const { body, size } = await encodeBody(json, 3, true);
    expect(gunzipSync(body).toString('utf8')).toBe(json + revisionMark(3));
    expect(size).toBe(Buffer.byteLength(json) + revisionMark(3).length);
    expect(body.length).toBeLessThan(size / 10);
  });
});

describe('readBody', () => {
  it('plain: streams the chunks into one buffer of the expected size', async () => {
    const bytes = await readBody(
      chunked(text),
      { contentEncoding: undefined, expectedBytes: text.length },
      record,
      null,
    );
    expect(Buffer.from(bytes).equals(text)).toBe(true);
    expect(bytes.buffer.byteLength).toBe(text.length);
  });

  it('gzip: decompresses while streaming into one buffer of the recorded size', async () => {
    const zipped = gzipSync(text);
    const bytes = await readBody(
      chunked(zipped, 4096),
      { contentEncoding: 'gzip', expectedBytes: text.length },
      record,
      null,
    );
    expect(Buffer.from(bytes).equals(text)).toBe(true);
    expect(bytes.buffer.byteLength).toBe(text.length);
  });

  it('a missing or wrong size costs copies, never wrong bytes', async () => {
    for (const expectedBytes of [undefined, 0, 10, text.length - 1, text.length * 3, -5, Number.NaN]) {
      const plain = await readBody(chunked(text), { contentEncoding: undefined, expectedBytes }, record, null);
      expect(Buffer.from(plain).equals(text), String(expectedBytes)).toBe(true);
      const zipped = await readBody(chunked(gzipSync(text)), { contentEncoding: 'GZIP', expectedBytes }, record, null);
      expect(Buffer.from(zipped).equals(text), String(expectedBytes)).toBe(true);
    }
  });

  it('a body without an async iterator is read through the SDK stream mixin', async () => {
    const body = { transformToByteArray: async () => new Uint8Array(gzipSync(text)) };
    const bytes = await readBody(body, { contentEncoding: 'gzip', expectedBytes: undefined }, record, null);
    expect(Buffer.from(bytes).equals(text)).toBe(true);
    expect(await readBody(undefined, { contentEncoding: undefined, expectedBytes: 0 }, record, null)).toHaveLength(0);
  });

  it('gzip that does not decompress is SessionCorruptError naming the object', async () => {
    for (const bad of [Buffer.from('not gzip at all'), gzipSync(text).subarray(0, 200), Buffer.alloc(0)]) {
      const error = await readBody(chunked(bad), { contentEncoding: 'gzip', expectedBytes: 50 }, record, 'doc').catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SessionCorruptError);
      expect((error as SessionCorruptError).record).toBe(record);
      expect((error as SessionCorruptError).sessionId).toBe('doc');
    }
  });

  it('a connection that fails mid-body is rethrown as it is, not reported as corrupt data', async () => {
    for (const contentEncoding of [undefined, 'gzip']) {
      const source = contentEncoding ? gzipSync(text) : text;
      const error = await readBody(
        failing(source),
        { contentEncoding, expectedBytes: text.length },
        record,
        null,
      ).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(SessionCorruptError);
      expect((error as { code?: string }).code).toBe('ECONNRESET');
    }
  });
});
