/** Construction: options and their validation, the s3:// URL form, openSessionStore, and who owns the client. */
import { fileURLToPath } from 'node:url';
import {
  InvalidArgumentError,
  openSessionStore,
  parseStoreUrl,
  StoreAccessError,
  StoreClosedError,
} from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Store, optionsFromUrl, S3SessionStore } from '../src/index.js';
import { emptyPrefix, rawClient, runPrefix, storeOptions } from './support/s3.js';
import { s3Service } from './support/service.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function invalid(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected InvalidArgumentError');
}

describe('options', () => {
  it('normalizes the prefix to a folder and freezes its defaults', () => {
    const store = new S3SessionStore({ bucket: 'b', prefix: 'app/sessions', region: 'eu-west-1' });
    expect(store.prefix).toBe('app/sessions/');
    expect(store.backendName).toBe('s3');
    expect(store.capabilities).toEqual({ atomicRevisions: true, maxDocumentBytes: 256 * 1024 * 1024 });
    expect(new S3SessionStore({ bucket: 'b', conditionalWrites: false }).capabilities?.atomicRevisions).toBe(false);
    expect(new S3SessionStore({ bucket: 'b' }).prefix).toBe('');
  });

  it('refuses bad options with InvalidArgumentError naming the option', () => {
    const client = new S3Client({ region: 'us-east-1' });
    expect(invalid(() => new S3SessionStore({} as never)).argument).toBe('bucket');
    expect(invalid(() => new S3SessionStore({ bucket: 'a/b' })).argument).toBe('bucket');
    expect(invalid(() => new S3SessionStore({ bucket: 'b', prefix: '/abs' })).argument).toBe('prefix');
    expect(invalid(() => new S3SessionStore({ bucket: 'b', prefix: 'a\nb' })).argument).toBe('prefix');
    expect(invalid(() => new S3SessionStore({ bucket: 'b', prefix: 'x'.repeat(600) })).argument).toBe('prefix');
    expect(invalid(() => new S3SessionStore({ bucket: 'b', gzip: 'yes' as never })).argument).toBe('gzip');
    expect(invalid(() => new S3SessionStore({ bucket: 'b', operationTimeoutMs: 0 })).argument).toBe(
      'operationTimeoutMs',
    );
    expect(invalid(() => new S3SessionStore({ bucket: 'b', endpoint: 'localhost:9000' })).argument).toBe('endpoint');
    expect(invalid(() => new S3SessionStore({ bucket: 'b', maxAttempts: 0 })).argument).toBe('maxAttempts');
    expect(invalid(() => new S3SessionStore({ bucket: 'b', client, region: 'x' })).argument).toBe('region');
    client.destroy();
  });
});

describe('s3:// URLs', () => {
  it('parses bucket, prefix, credentials and every query parameter', () => {
    const url = parseStoreUrl(
      's3://AKID:se%2Fcret@my-bucket/app/sessions?region=eu-west-1&endpoint=http://127.0.0.1:9000' +
        '&forcePathStyle=true&gzip=1&conditionalWrites=false&operationTimeoutMs=2500&maxAttempts=3' +
        '&maxDocumentBytes=1048576&listConcurrency=4',
    );
    expect(optionsFromUrl(url)).toEqual({
      bucket: 'my-bucket',
      prefix: 'app/sessions',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'se/cret' },
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      gzip: true,
      conditionalWrites: false,
      operationTimeoutMs: 2500,
      maxAttempts: 3,
      maxDocumentBytes: 1_048_576,
      listConcurrency: 4,
    });
    expect(optionsFromUrl(parseStoreUrl('s3://b'))).toEqual({ bucket: 'b' });
    expect(optionsFromUrl(parseStoreUrl('s3://b/?operationTimeoutMs=none')).operationTimeoutMs).toBeNull();
    expect(new S3SessionStore('s3://b/a%20b?region=us-east-1').prefix).toBe('a b/');
  });

  it('refuses unknown parameters, bad values and missing buckets', () => {
    for (const bad of ['s3://b?regoin=x', 's3://b?gzip=maybe', 's3:///prefix', 's3:b', 's3://b?maxAttempts=two'])
      invalid(() => optionsFromUrl(parseStoreUrl(bad)));
  });
});

describe('against the test S3 server', async () => {
  const s3 = await s3Service();
  const prefix = runPrefix('options');
  const raw = rawClient(s3);
  afterAll(async () => {
    await emptyPrefix(raw, s3.bucket, prefix);
    raw.destroy();
  });

  it('openSessionStore("s3://…") finds this package and opens a working store', async () => {
    const url =
      `s3://${encodeURIComponent(s3.accessKeyId)}:${encodeURIComponent(s3.secretAccessKey)}@${s3.bucket}/` +
      `${prefix}url?region=${s3.region}&endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true` +
      `&conditionalWrites=${s3.conditionalWrites}`;
    const store = await openSessionStore(url, { resolveFrom: packageDir });
    expect(store.backendName).toBe('s3');
    const doc = makeSession('via-url', { messages: 3 });
    expect(await store.save(doc)).toEqual({ revision: 1 });
    const direct = createS3Store(storeOptions(s3, `${prefix}url/`));
    expect(await direct.get('via-url')).toEqual({ session: doc, revision: 1 });
    await direct.close();
    await store.close();
  });

  it('without credentials the SDK default chain is used (here: the AWS_* environment variables)', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    const { credentials: _, ...options } = storeOptions(s3, `${prefix}chain/`);
    const restore = (name: string, value: string | undefined) => {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    };
    try {
      process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
      const store = new S3SessionStore(options);
      expect(await store.save(makeSession('from-env'))).toEqual({ revision: 1 });
      await store.close();
      // The same options with an unknown key in the environment are refused: the chain really was read.
      process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KEY';
      const refused = new S3SessionStore(options);
      await expect(refused.load('from-env')).rejects.toBeInstanceOf(StoreAccessError);
      await refused.close();
    } finally {
      restore('AWS_ACCESS_KEY_ID', saved.id);
      restore('AWS_SECRET_ACCESS_KEY', saved.secret);
    }
  });

  it('a client passed in is used and left open by close(); an own client is closed', async () => {
    const client = rawClient(s3);
    const store = new S3SessionStore({ bucket: s3.bucket, prefix: `${prefix}shared`, client });
    await store.save(makeSession('shared-client'));
    await store.close();
    await expect(store.load('shared-client')).rejects.toBeInstanceOf(StoreClosedError);
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}shared/` }));
    expect(page.Contents?.map((o) => o.Key)).toContain(`${prefix}shared/shared-client.json`);
    client.destroy();
  });
});
