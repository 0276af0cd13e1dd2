import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** The parts of s3rver 3.x (a CommonJS Koa app without type declarations) used here. */
export interface S3rverInstance {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?: () => void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface KoaContext {
  req: IncomingMessage;
}

/** s3rver accepts any signature but only this access key id. */
export const S3RVER_ACCESS_KEY_ID = 'S3RVER';
export const S3RVER_SECRET_ACCESS_KEY = 'S3RVER';

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n`).
 * AWS SDK v3 sends streamed uploads this way with a checksum trailer; s3rver would store the framing verbatim.
 */
export function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) throw new Error('malformed aws-chunked body: missing chunk header');
    const size = Number.parseInt(raw.subarray(pos, eol).toString('latin1').split(';', 1)[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw new Error('malformed aws-chunked body: bad chunk size');
    pos = eol + 2;
    if (size === 0) return Buffer.concat(parts);
    if (pos + size > raw.length) throw new Error('malformed aws-chunked body: truncated chunk');
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** Koa middleware placed first: turns aws-chunked uploads into plain bodies with the right headers. */
async function awsChunkedDecoder(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
  const req = ctx.req;
  const headers = req.headers;
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const streaming = String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (encodings.includes('aws-chunked') || streaming) {
    const body = decodeAwsChunked(await readAll(req));
    const rest = encodings.filter((e) => e !== 'aws-chunked');
    if (rest.length > 0) headers['content-encoding'] = rest.join(',');
    else delete headers['content-encoding'];
    headers['content-length'] = String(body.length);
    headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    delete headers['x-amz-decoded-content-length'];
    delete headers['x-amz-trailer'];
    delete headers['transfer-encoding'];
    const replacement = Readable.from([body], { objectMode: false });
    Object.assign(replacement, {
      headers,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      socket: req.socket,
      connection: req.socket,
    });
    ctx.req = replacement as unknown as IncomingMessage;
  }
  await next();
}

interface FilesystemStore {
  putObject(object: { bucket: string; key: string }): Promise<{ size: number }>;
  getResourcePath(bucket: string, key: string, resource: string): string;
}

/**
 * s3rver's filesystem store answers a PUT when it has handed the bytes to a write stream, not when they are on disk,
 * so a GET right after a PUT can read a truncated object. Make its putObject wait until the file has its full size.
 */
export function waitForFullWrites(server: S3rverInstance): void {
  const store = (server as unknown as { store?: FilesystemStore }).store;
  if (!store || typeof store.putObject !== 'function') throw new Error('s3rver changed: no store.putObject to patch');
  const put = store.putObject.bind(store);
  store.putObject = async (object) => {
    const result = await put(object);
    const file = store.getResourcePath(object.bucket, object.key, 'object');
    const deadline = Date.now() + 10_000;
    while ((await stat(file).catch(() => null))?.size !== result.size) {
      if (Date.now() > deadline) throw new Error(`s3rver did not finish writing ${file}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return result;
  };
}

export interface RunningS3rver {
  endpoint: string;
  /** The temp directory holding the buckets; removed by stop(). */
  directory: string;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 on a free port, storing into a fresh temp directory that `stop()` removes. */
export async function startS3rver(): Promise<RunningS3rver> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'test-services-s3rver-'));
  let server: S3rverInstance;
  let address: AddressInfo;
  try {
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false });
    server.middleware.unshift(awsChunkedDecoder);
    waitForFullWrites(server);
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    async stop() {
      if (stopped) return;
      stopped = true;
      const closing = server.close();
      server.httpServer?.closeAllConnections?.();
      await closing;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
