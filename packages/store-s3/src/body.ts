/** The bytes of a document object: the JSON, a whitespace revision mark, optionally gzip. */
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, gzip as gzipCallback } from 'node:zlib';
import { SessionCorruptError } from '@agent-sessions/core/adapter';
import { ByteSink } from './byte-sink.js';

const gzip = promisify(gzipCallback);

/**
 * A newline and the revision in binary, as spaces (0) and tabs (1): JSON allows trailing whitespace, so the object
 * stays plain JSON. It makes the bytes, and so the ETag (an MD5 of the bytes), differ between revisions: without it,
 * a save that restores earlier bytes would bring back an earlier ETag and let a stale If-Match succeed (ABA).
 */
export function revisionMark(revision: number): string {
  return `\n${revision.toString(2).replaceAll('0', ' ').replaceAll('1', '\t')}`;
}

export interface EncodedBody {
  /** What to upload. */
  body: Buffer;
  /** Bytes of the document and its mark before compression (what a reader will hold). */
  size: number;
}

/**
 * The body to upload, as one buffer written once from the JSON string. A Buffer rather than the string: the SDK
 * hashes the payload for SigV4 and the socket writes it, and each of them would otherwise encode the string again.
 */
export async function encodeBody(json: string, revision: number, compress: boolean): Promise<EncodedBody> {
  const mark = revisionMark(revision);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  // Written in place: `json + mark` would first copy the whole string to join it.
  const text = Buffer.allocUnsafeSlow(jsonBytes + mark.length);
  text.write(json, 0, 'utf8');
  text.write(mark, jsonBytes, 'utf8');
  // gzip runs off the main thread; its output is small next to the text.
  return { body: compress ? await gzip(text) : text, size: text.length };
}

/** A GetObject body: a Node stream (async iterable) in Node, else anything with the SDK's stream mixin. */
export type ResponseBody = AsyncIterable<Uint8Array> | { transformToByteArray(): Promise<Uint8Array> };

export interface BodyInfo {
  /** The Content-Encoding of the object. */
  contentEncoding: string | undefined;
  /** How many bytes the decoded body will have, when known (Content-Length, or the size metadata of gzip). */
  expectedBytes: number | undefined;
}

/**
 * Reads the body once, streaming it (and, for Content-Encoding gzip, its decompression) into one buffer of the
 * expected size. A gzip body that does not decompress is SessionCorruptError; a failing connection is rethrown.
 */
export async function readBody(
  body: ResponseBody | undefined,
  info: BodyInfo,
  record: string,
  sessionId: string | null,
): Promise<Uint8Array> {
  const source: AsyncIterable<Uint8Array> =
    body === undefined ? emptySource() : isIterable(body) ? body : oneChunk(body.transformToByteArray());
  const sink = new ByteSink(info.expectedBytes);
  if (!isGzip(info.contentEncoding)) {
    for await (const chunk of source) sink.push(chunk);
    return sink.bytes();
  }
  try {
    await pipeline(source, createGunzip(), async (inflated: AsyncIterable<Uint8Array>) => {
      for await (const chunk of inflated) sink.push(chunk);
    });
  } catch (cause) {
    if (!isZlibError(cause)) throw cause;
    throw new SessionCorruptError(record, `it is marked Content-Encoding gzip but does not decompress`, {
      backend: 's3',
      sessionId,
      cause,
    });
  }
  return sink.bytes();
}

function isIterable(body: ResponseBody): body is AsyncIterable<Uint8Array> {
  return typeof (body as Partial<AsyncIterable<Uint8Array>>)[Symbol.asyncIterator] === 'function';
}

async function* emptySource(): AsyncIterable<Uint8Array> {}

async function* oneChunk(bytes: Promise<Uint8Array>): AsyncIterable<Uint8Array> {
  yield await bytes;
}

/** zlib's errors carry `Z_*` codes (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream); network errors do not. */
function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

export function isGzip(contentEncoding: string | undefined): boolean {
  return (contentEncoding ?? '').split(',').some((e) => e.trim().toLowerCase() === 'gzip');
}
