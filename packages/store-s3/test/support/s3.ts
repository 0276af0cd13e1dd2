/** The S3 endpoint of the test run (test-services), a run prefix of our own, and cleanup of what tests made. */

import { type S3Service, uniqueNamespace } from '@agent-sessions/test-services';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3SessionStore } from '../../src/index.js';
import type { S3StoreOptions } from '../../src/options.js';

/** A raw client for the same endpoint: test setup, cleanup, and looking at what the store wrote. */
export function rawClient(s3: S3Service): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    maxAttempts: 2,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 10_000 },
  });
}

/** A prefix no other run uses: `store-s3/<unique>/`. */
export function runPrefix(label: string): string {
  return `store-s3/${uniqueNamespace(label)}/`;
}

/** Store options for the service (endpoint, credentials, path style, conditional writes as the server can). */
export function storeOptions(s3: S3Service, prefix: string, extra: Partial<S3StoreOptions> = {}): S3StoreOptions {
  return {
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    conditionalWrites: s3.conditionalWrites,
    ...extra,
  };
}

export function openStore(s3: S3Service, prefix: string, extra: Partial<S3StoreOptions> = {}): S3SessionStore {
  return new S3SessionStore(storeOptions(s3, prefix, extra));
}

/** Every key under `prefix`. */
export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      { abortSignal: AbortSignal.timeout(30_000) },
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Deletes every object under `prefix` (1000 per request). */
export async function emptyPrefix(client: S3Client, bucket: string, prefix: string): Promise<void> {
  const keys = await listKeys(client, bucket, prefix);
  for (let i = 0; i < keys.length; i += 1000) {
    await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
      { abortSignal: AbortSignal.timeout(60_000) },
    );
  }
}
