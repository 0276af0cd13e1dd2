import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getS3, type S3Service, uniqueNamespace } from '../src/index.js';
import { resolveService } from '../src/resolve.js';
import { s3Help, s3Probes } from '../src/s3.js';
import { decodeAwsChunked, startS3rver, waitForFullWrites } from '../src/s3rver.js';
import { closedPort, noDocker, withEnv } from './helpers.js';

/** A client configured the way an application would, with the SDK's default checksum behaviour. */
function clientFor(s3: S3Service): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

describe('getS3', () => {
  let s3: S3Service;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await getS3();
    client = clientFor(s3);
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('describes itself consistently', () => {
    expect(s3.forcePathStyle).toBe(true);
    expect(s3.endpoint).toMatch(/^https?:\/\//);
    if (s3.source === 's3rver') {
      expect(s3.conditionalWrites).toBe(false);
      expect(s3.checksCredentials).toBe(false);
      expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('round-trips PutObject / GetObject in the bucket, for a string and a streamed body', async () => {
    const prefix = uniqueNamespace('test_services');
    const text = JSON.stringify({ hello: 'wörld', n: 1 });
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/a.json`, Body: text }));
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/a.json` }));
    expect(await got.Body?.transformToString()).toBe(text);

    // A streamed body is sent aws-chunked with a checksum trailer by the SDK's defaults.
    const bytes = Buffer.from('streamed body '.repeat(1000));
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${prefix}/b.bin`,
        Body: Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]),
        ContentLength: bytes.length,
      }),
    );
    const streamed = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/b.bin` }));
    expect(streamed.ContentLength).toBe(bytes.length);
    expect(Buffer.from((await streamed.Body?.transformToByteArray()) ?? [])).toEqual(bytes);

    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/a.json` }));
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/b.bin` }));
    await expect(client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/a.json` }))).rejects.toThrow();
  });

  it('uses S3_* env vars when set, creates the missing bucket and probes what the server honours', async () => {
    const bucket = `ts-${Date.now().toString(36)}-${process.pid}`;
    const service = await withEnv(
      {
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        S3_BUCKET: bucket,
        S3_REGION: undefined,
      },
      () => getS3(),
    );
    expect(service).toMatchObject({ source: 'env', endpoint: s3.endpoint, bucket, region: 'us-east-1' });
    expect(service.conditionalWrites).toBe(s3.conditionalWrites);
    expect(service.checksCredentials).toBe(s3.checksCredentials);
    await expect(client.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    await service.stop();
    // stop() of an env service leaves the server running.
    await expect(client.send(new HeadBucketCommand({ Bucket: s3.bucket }))).resolves.toBeDefined();
  });

  it('rejects a partial S3 configuration, naming what is missing', async () => {
    await withEnv(
      {
        S3_ENDPOINT: 'http://127.0.0.1:9',
        S3_ACCESS_KEY_ID: 'k',
        S3_SECRET_ACCESS_KEY: undefined,
        S3_BUCKET: undefined,
      },
      async () => {
        await expect(getS3()).rejects.toThrow(/S3_SECRET_ACCESS_KEY, S3_BUCKET are not/);
      },
    );
  });
});

describe('s3rver fallback', () => {
  it('is started on a free port with a temp directory that stop() removes', async () => {
    const port = await closedPort();
    const started = performance.now();
    const service = await resolveService(s3Help, s3Probes({ env: {}, port, docker: noDocker }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(service).toMatchObject({ source: 's3rver', conditionalWrites: false, checksCredentials: false });
    const client = clientFor(service);
    try {
      await client.send(new PutObjectCommand({ Bucket: service.bucket, Key: 'x', Body: 'y' }));
      const got = await client.send(new GetObjectCommand({ Bucket: service.bucket, Key: 'x' }));
      expect(await got.Body?.transformToString()).toBe('y');
      await expect(
        client.send(new PutObjectCommand({ Bucket: service.bucket, Key: 'x', Body: 'z', IfNoneMatch: '*' })),
      ).resolves.toBeDefined(); // s3rver ignores the condition: that is what conditionalWrites: false says
    } finally {
      client.destroy();
    }
    await service.stop();
    const after = clientFor(service);
    try {
      await expect(after.send(new HeadBucketCommand({ Bucket: service.bucket }))).rejects.toThrow();
    } finally {
      after.destroy();
    }
  });

  it('is not used when left out: the error names S3_ENDPOINT', async () => {
    const port = await closedPort();
    const error = await resolveService(s3Help, s3Probes({ env: {}, port, docker: noDocker, inProcess: false })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('set S3_ENDPOINT with S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET');
    expect(error.message).toContain('MinIO on 127.0.0.1:9000');
  });
});

describe('decodeAwsChunked', () => {
  it('joins the chunks and drops signatures and trailers', () => {
    const raw = Buffer.from(
      '5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
    );
    expect(decodeAwsChunked(raw).toString()).toBe('hello world');
  });

  it('rejects a truncated body', () => {
    expect(() => decodeAwsChunked(Buffer.from('a\r\nhello'))).toThrow(/truncated/);
  });
});

describe('startS3rver', () => {
  it('stores into a temp directory that stop() removes, and stop() is idempotent', async () => {
    const server = await startS3rver();
    expect(existsSync(server.directory)).toBe(true);
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await server.stop();
    expect(existsSync(server.directory)).toBe(false);
    await expect(server.stop()).resolves.toBeUndefined();
  });

  it('waitForFullWrites makes putObject answer only once the file has its full size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'full-writes-'));
    const file = join(dir, 'object');
    // Like s3rver's store: it answers while the write stream is still flushing.
    let flushed: Promise<void> = Promise.resolve();
    const store = {
      getResourcePath: () => file,
      async putObject(_object: { bucket: string; key: string }) {
        await writeFile(file, 'x'.repeat(10));
        flushed = new Promise((resolve) => setTimeout(() => void writeFile(file, 'x'.repeat(1000)).then(resolve), 30));
        return { size: 1000 };
      },
    };
    const object = { bucket: 'b', key: 'k' };
    const unpatched = await store.putObject(object);
    expect((await stat(file)).size).toBeLessThan(unpatched.size);
    // The unpatched call's late write lands first: otherwise it could end the patched call's wait, and the check
    // below could then see the patched call's own late write truncating the file.
    await flushed;
    waitForFullWrites({ store } as never);
    await store.putObject(object);
    expect((await stat(file)).size).toBe(1000);
    await flushed;
    await rm(dir, { recursive: true, force: true });
  });
});
