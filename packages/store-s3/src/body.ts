/** The bytes of a document object: the JSON, a whitespace revision mark, optionally gzip. */
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { SessionCorruptError } from '@agent-sessions/core';

const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);

/**
 * A newline and the revision in binary, as spaces (0) and tabs (1): JSON allows trailing whitespace, so the object
 * stays plain JSON. It makes the bytes, and so the ETag (an MD5 of the bytes), differ between revisions: without it,
 * a save that restores earlier bytes would bring back an earlier ETag and let a stale If-Match succeed (ABA).
 */
export function revisionMark(revision: number): string {
  return `\n${revision.toString(2).replaceAll('0', ' ').replaceAll('1', '\t')}`;
}

/** The body to upload, built once: the string itself, or its gzip (compressed off the main thread). */
export async function encodeBody(json: string, revision: number, compress: boolean): Promise<string | Buffer> {
  const text = json + revisionMark(revision);
  return compress ? gzip(Buffer.from(text, 'utf8')) : text;
}

/** The minimal shape of a GetObject response body. */
export interface ResponseBody {
  transformToByteArray(): Promise<Uint8Array>;
}

/** Reads the whole body once and decompresses it when the object was stored with Content-Encoding gzip. */
export async function readBody(
  body: ResponseBody | undefined,
  contentEncoding: string | undefined,
  record: string,
  sessionId: string | null,
): Promise<Uint8Array> {
  const bytes = body === undefined ? new Uint8Array(0) : await body.transformToByteArray();
  if (!isGzip(contentEncoding)) return bytes;
  try {
    return await gunzip(bytes);
  } catch (cause) {
    throw new SessionCorruptError(record, `it is marked Content-Encoding gzip but does not decompress`, {
      backend: 's3',
      sessionId,
      cause,
    });
  }
}

function isGzip(contentEncoding: string | undefined): boolean {
  return (contentEncoding ?? '').split(',').some((e) => e.trim().toLowerCase() === 'gzip');
}
