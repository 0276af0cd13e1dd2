/**
 * The s3 store for the reliability suites: a prefix per namespace in this file's bucket; records are objects, read
 * and damaged with a raw S3 client (metadata kept); raw storage is every object under the prefix, its key, body
 * (gunzipped when compressed) and metadata.
 */
import { gunzipSync } from 'node:zlib';
import { encodeIdSegment } from '@agent-sessions/core/adapter';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll } from 'vitest';
import { emptyPrefix, listKeys, openStore, rawClient, runPrefix } from './s3.js';
import { s3Service } from './service.js';

const s3 = await s3Service();
const raw = rawClient(s3);
const root = runPrefix('reliability');
afterAll(async () => {
  await emptyPrefix(raw, s3.bucket, root);
  raw.destroy();
});

const prefixOf = (namespace: string) => `${root}${namespace}/`;
const timeout = () => ({ abortSignal: AbortSignal.timeout(30_000) });

async function getObject(key: string) {
  const out = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }), timeout());
  const bytes = Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  return { out, body: bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes };
}

export const s3Hooks = {
  create: async (namespace: string) => openStore(s3, prefixOf(namespace)),
  cleanup: (namespace: string) => emptyPrefix(raw, s3.bucket, prefixOf(namespace)),
  // The bucket is this file's (s3rver) or shared (MinIO): what lies outside the namespace must not change.
  outside: async (namespace: string) =>
    (await listKeys(raw, s3.bucket, '')).filter((k) => !k.startsWith(prefixOf(namespace))),
  tamper: async (namespace: string, id: string, mutate: (raw: string) => string) => {
    const key = `${prefixOf(namespace)}${encodeIdSegment(id)}.json`;
    const { out, body } = await getObject(key);
    await raw.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: mutate(body.toString('utf8')),
        Metadata: out.Metadata,
        ContentType: out.ContentType,
      }),
      timeout(),
    );
    return key;
  },
  rawDump: async (namespace: string) => {
    const chunks: Buffer[] = [];
    for (const key of await listKeys(raw, s3.bucket, prefixOf(namespace))) {
      const { out, body } = await getObject(key);
      chunks.push(Buffer.from(key), body, Buffer.from(JSON.stringify(out.Metadata ?? {})));
    }
    return chunks;
  },
};
