/**
 * Failures map to the core error that says what to do: unreachable or hung servers → StoreUnavailableError,
 * refused credentials or a missing bucket → StoreAccessError naming the bucket, damaged objects → SessionCorruptError
 * naming the object. The 403/404 replies come from a real loopback HTTP server that answers like S3, since the local
 * S3 server may not check credentials.
 */

import {
  SessionCorruptError,
  type SessionStore,
  StoreAccessError,
  StoreUnavailableError,
} from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { S3SessionStore } from '../src/index.js';
import { KeyLayout } from '../src/keys.js';
import { emptyPrefix, openStore, rawClient, runPrefix } from './support/s3.js';
import { closedPortEndpoint, startErrorServer, startSilentServer } from './support/servers.js';
import { s3Service } from './support/service.js';

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** The rejection of `call` and how long it took to come. */
async function timedRejection(call: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const start = performance.now();
  const error = await rejectionOf(call());
  return { error, ms: performance.now() - start };
}

/** Every operation of the store, each expected to fail the same way. */
function everyOperation(store: SessionStore): [string, () => Promise<unknown>][] {
  return [
    ['healthCheck', () => store.healthCheck()],
    ['save', () => store.save(makeSession('f'))],
    ['load', () => store.load('f')],
    ['exists', () => store.exists('f')],
    ['delete', () => store.delete('f')],
    ['list', () => store.list()],
    ['listSessions', () => store.listSessions()],
    ['appendMessages', () => store.appendMessages('f', [])],
  ];
}

function storeAt(endpoint: string, extra: Partial<ConstructorParameters<typeof S3SessionStore>[0] & object> = {}) {
  return new S3SessionStore({
    bucket: 'sessions-bucket',
    prefix: 'app/',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    ...extra,
  });
}

describe('unreachable and hung servers', () => {
  it('a closed loopback port gives StoreUnavailableError from every operation', async () => {
    const store = storeAt(await closedPortEndpoint(), { operationTimeoutMs: 5_000 });
    for (const [name, call] of everyOperation(store)) {
      const { error, ms } = await timedRejection(call);
      expect(error, name).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).transient).toBe(true);
      expect(ms, name).toBeLessThan(5_000);
    }
    await store.close();
  });

  it('a server that never answers gives StoreUnavailableError once operationTimeoutMs passes', async () => {
    const server = await startSilentServer();
    const store = storeAt(server.endpoint, { operationTimeoutMs: 300, maxAttempts: 1 });
    try {
      for (const [name, call] of everyOperation(store)) {
        const { error, ms } = await timedRejection(call);
        expect(error, name).toBeInstanceOf(StoreUnavailableError);
        // Bounded by the limit, not by the server: 300 ms, plus slack for a loaded test machine.
        expect(ms, name).toBeGreaterThanOrEqual(250);
        expect(ms, name).toBeLessThan(3_000);
      }
      expect(server.requests()).toBeGreaterThan(0);
    } finally {
      await store.close();
      await server.stop();
    }
  });

  it('the time limit also holds for a client passed in without timeouts of its own', async () => {
    const server = await startSilentServer();
    const client = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const store = new S3SessionStore({ bucket: 'sessions-bucket', client, operationTimeoutMs: 300 });
    try {
      for (const call of [() => store.healthCheck(), () => store.load('x')]) {
        const { error, ms } = await timedRejection(call);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(3_000);
      }
    } finally {
      await store.close();
      client.destroy();
      await server.stop();
    }
  });
});

describe('S3 error replies from a loopback HTTP server', () => {
  for (const [status, code] of [
    [403, 'InvalidAccessKeyId'],
    [403, 'SignatureDoesNotMatch'],
    [403, 'AccessDenied'],
  ] as const) {
    it(`${status} ${code} gives StoreAccessError naming the bucket, from every operation`, async () => {
      const server = await startErrorServer(status, code, 'The request was refused.');
      const store = storeAt(server.endpoint);
      try {
        for (const [name, call] of everyOperation(store)) {
          const error = await rejectionOf(call());
          expect(error, name).toBeInstanceOf(StoreAccessError);
          expect(error.message).toContain('"sessions-bucket"');
          expect(error.message).toMatch(/credentials/);
        }
      } finally {
        await store.close();
        await server.stop();
      }
    });
  }

  it('404 NoSuchBucket gives StoreAccessError that says the bucket does not exist', async () => {
    const server = await startErrorServer(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const store = storeAt(server.endpoint);
    try {
      for (const [name, call] of everyOperation(store)) {
        const error = await rejectionOf(call());
        expect(error, name).toBeInstanceOf(StoreAccessError);
        expect(error.message).toMatch(/bucket "sessions-bucket" .*does not exist/);
      }
    } finally {
      await store.close();
      await server.stop();
    }
  });

  it('503 SlowDown is transient: StoreUnavailableError after the configured attempts', async () => {
    const server = await startErrorServer(503, 'SlowDown', 'Please reduce your request rate.');
    const store = storeAt(server.endpoint, { maxAttempts: 2 });
    try {
      expect(await rejectionOf(store.healthCheck())).toBeInstanceOf(StoreUnavailableError);
      expect(server.requests()).toBe(2);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});

describe('against the test S3 server', async () => {
  const s3 = await s3Service();
  const prefix = runPrefix('faults');
  const raw = rawClient(s3);
  afterAll(async () => {
    await emptyPrefix(raw, s3.bucket, prefix);
    raw.destroy();
  });

  it('a missing bucket gives StoreAccessError naming it', async () => {
    const store = openStore(s3, prefix, { bucket: 'no-such-bucket-store-s3' });
    for (const [name, call] of everyOperation(store)) {
      const error = await rejectionOf(call());
      expect(error, name).toBeInstanceOf(StoreAccessError);
      expect(error.message).toContain('"no-such-bucket-store-s3"');
    }
    await store.close();
  });

  it('an unknown access key id gives StoreAccessError (where the server checks credentials at all)', async () => {
    const store = openStore(s3, prefix, { credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'nope' } });
    const error = await rejectionOf(store.healthCheck());
    expect(error).toBeInstanceOf(StoreAccessError);
    expect(error.message).toContain(`"${s3.bucket}"`);
    await store.close();
  });

  it('damaged objects are SessionCorruptError naming the object; other sessions are unharmed', async () => {
    const store = openStore(s3, `${prefix}corrupt/`);
    const layout = new KeyLayout(store.prefix);
    await store.save(makeSession('fine'));
    const put = (id: string, body: string, extra: Record<string, unknown> = {}) =>
      raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: layout.documentKey(id), Body: body, ...extra }));
    await put('truncated', '{"id":"truncated","config":{');
    await put('badrev', JSON.stringify(makeSession('badrev')), { Metadata: { revision: 'two' } });
    await put('badgzip', 'not gzip at all', { ContentEncoding: 'gzip' });
    await put('elsewhere', JSON.stringify(makeSession('someone-else')));
    for (const id of ['truncated', 'badrev', 'badgzip', 'elsewhere']) {
      const error = await rejectionOf(store.load(id));
      expect(error, id).toBeInstanceOf(SessionCorruptError);
      expect((error as SessionCorruptError).record).toBe(`s3://${s3.bucket}/${layout.documentKey(id)}`);
      expect(error.message).toContain(layout.documentKey(id));
    }
    expect((await store.get('fine'))?.revision).toBe(1);
    const still = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: layout.documentKey('truncated') }));
    expect(await still.Body?.transformToString()).toBe('{"id":"truncated","config":{');
    await store.close();
  });
});
