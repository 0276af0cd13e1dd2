import type { S3Client } from '@aws-sdk/client-s3';
import { dockerStatusOnce, loadTestcontainers } from './docker.js';
import { uniqueNamespace } from './namespace.js';
import { canConnect } from './net.js';
import {
  type DockerStatus,
  errorMessage,
  resolveService,
  type ServiceHelp,
  type ServiceProbes,
  type ServiceSource,
} from './resolve.js';
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, startS3rver } from './s3rver.js';

export interface S3Service {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  forcePathStyle: true;
  source: ServiceSource;
  /** false for s3rver, which ignores If-Match / If-None-Match */
  conditionalWrites: boolean;
  /** false where the server does not check credentials (s3rver) */
  checksCredentials: boolean;
  stop(): Promise<void>;
}

export const MINIO_IMAGE = 'minio/minio';
export const DEFAULT_BUCKET = 'agent-sessions-test';
const MINIO_USER = 'minioadmin';
const MINIO_PASSWORD = 'minioadmin';

export const s3Help: ServiceHelp = {
  service: 'S3',
  envVars: 'S3_ENDPOINT with S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET (optional S3_REGION)',
  envExample:
    'S3_ENDPOINT=http://127.0.0.1:9000 S3_ACCESS_KEY_ID=minioadmin S3_SECRET_ACCESS_KEY=minioadmin S3_BUCKET=test',
  local: 'MinIO on 127.0.0.1:9000 (minioadmin/minioadmin)',
  localStart: '`minio server /tmp/minio-data`',
  image: MINIO_IMAGE,
  inProcess: 'in-process s3rver (npm package s3rver, installed with this package)',
};

type Endpoint = Pick<S3Service, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey' | 'bucket'>;

/** A client for our own calls: path style, one attempt, short timeouts, no streaming checksums. */
export async function s3Client(endpoint: Endpoint, timeoutMs = 5000): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: true,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Creates `bucket` unless it exists already (also when another test file creates it at the same moment). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  const { HeadBucketCommand, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

/**
 * Asks the server whether it honours If-None-Match / If-Match on PutObject and whether it rejects a wrong secret.
 * Writes and deletes one object under `test-services-probe/`.
 */
export async function probeS3Capabilities(
  endpoint: Endpoint,
): Promise<Pick<S3Service, 'conditionalWrites' | 'checksCredentials'>> {
  const { PutObjectCommand, DeleteObjectCommand, HeadBucketCommand } = await import('@aws-sdk/client-s3');
  const client = await s3Client(endpoint);
  const Key = `test-services-probe/${uniqueNamespace('probe')}`;
  const Bucket = endpoint.bucket;
  let conditionalWrites = false;
  try {
    await client.send(new PutObjectCommand({ Bucket, Key, Body: 'probe', IfNoneMatch: '*' }));
    try {
      await client.send(new PutObjectCommand({ Bucket, Key, Body: 'probe', IfNoneMatch: '*' }));
    } catch (error) {
      const status = httpStatus(error);
      conditionalWrites = status === 412 || status === 409;
    }
    if (conditionalWrites) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket, Key, Body: 'probe', IfMatch: '"00000000000000000000000000000000"' }),
        );
        conditionalWrites = false;
      } catch (error) {
        const status = httpStatus(error);
        conditionalWrites = status === 412 || status === 409;
      }
    }
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => {});
    client.destroy();
  }

  const wrong = await s3Client({ ...endpoint, secretAccessKey: `${endpoint.secretAccessKey}-wrong` });
  let checksCredentials = false;
  try {
    await wrong.send(new HeadBucketCommand({ Bucket }));
  } catch (error) {
    const status = httpStatus(error);
    checksCredentials = status === 403 || status === 401;
  } finally {
    wrong.destroy();
  }
  return { conditionalWrites, checksCredentials };
}

/** Makes sure the bucket exists and describes the server. */
async function describe(endpoint: Endpoint, source: ServiceSource, stop: () => Promise<void>): Promise<S3Service> {
  const client = await s3Client(endpoint);
  try {
    await ensureBucket(client, endpoint.bucket);
  } finally {
    client.destroy();
  }
  const capabilities = await probeS3Capabilities(endpoint);
  return { ...endpoint, forcePathStyle: true, source, ...capabilities, stop };
}

export interface S3ProbeOptions {
  env?: NodeJS.ProcessEnv;
  host?: string;
  port?: number;
  timeoutMs?: number;
  docker?: () => Promise<DockerStatus>;
  /** false leaves s3rver out (for tests of the not-found path). */
  inProcess?: boolean;
}

const noop = async (): Promise<void> => {};

export function s3Probes(options: S3ProbeOptions = {}): ServiceProbes<S3Service> {
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 9000;
  const timeoutMs = options.timeoutMs ?? 1000;
  const probes: ServiceProbes<S3Service> = {
    async env() {
      if (!env.S3_ENDPOINT) return undefined;
      const required = ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_BUCKET'] as const;
      const missing = required.filter((name) => !env[name]);
      if (missing.length > 0)
        throw new Error(`S3_ENDPOINT is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`);
      const endpoint: Endpoint = {
        endpoint: env.S3_ENDPOINT,
        region: env.S3_REGION || 'us-east-1',
        accessKeyId: env.S3_ACCESS_KEY_ID as string,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
        bucket: env.S3_BUCKET as string,
      };
      return describe(endpoint, 'env', noop);
    },
    async local() {
      const endpoint: Endpoint = {
        endpoint: `http://${host}:${port}`,
        region: 'us-east-1',
        accessKeyId: MINIO_USER,
        secretAccessKey: MINIO_PASSWORD,
        bucket: DEFAULT_BUCKET,
      };
      try {
        await canConnect(host, port, timeoutMs);
        const { ListBucketsCommand } = await import('@aws-sdk/client-s3');
        const client = await s3Client(endpoint, timeoutMs * 2);
        try {
          await client.send(new ListBucketsCommand({}));
        } finally {
          client.destroy();
        }
      } catch (error) {
        return { ok: false, reason: errorMessage(error) };
      }
      return { ok: true, value: await describe(endpoint, 'local', noop) };
    },
    docker: options.docker ?? dockerStatusOnce,
    async container() {
      const { GenericContainer, Wait } = await loadTestcontainers();
      const container = await new GenericContainer(MINIO_IMAGE)
        .withCommand(['server', '/data'])
        .withEnvironment({ MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD })
        .withExposedPorts(9000)
        .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000))
        .withStartupTimeout(120_000)
        .start();
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        await container.stop();
      };
      try {
        return await describe(
          {
            endpoint: `http://${container.getHost()}:${container.getMappedPort(9000)}`,
            region: 'us-east-1',
            accessKeyId: MINIO_USER,
            secretAccessKey: MINIO_PASSWORD,
            bucket: DEFAULT_BUCKET,
          },
          'container',
          stop,
        );
      } catch (error) {
        await stop().catch(() => {});
        throw error;
      }
    },
  };
  if (options.inProcess !== false) {
    probes.inProcess = async () => {
      const server = await startS3rver();
      const endpoint: Endpoint = {
        endpoint: server.endpoint,
        region: 'us-east-1',
        accessKeyId: S3RVER_ACCESS_KEY_ID,
        secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
        bucket: DEFAULT_BUCKET,
      };
      try {
        const client = await s3Client(endpoint);
        try {
          await ensureBucket(client, endpoint.bucket);
        } finally {
          client.destroy();
        }
      } catch (error) {
        await server.stop().catch(() => {});
        throw error;
      }
      return {
        ...endpoint,
        forcePathStyle: true,
        source: 's3rver',
        conditionalWrites: false,
        checksCredentials: false,
        stop: () => server.stop(),
      };
    };
  }
  return probes;
}

/**
 * An S3 endpoint for tests, with its bucket created: S3_ENDPOINT (+ S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
 * S3_BUCKET, optional S3_REGION), else MinIO on 127.0.0.1:9000 (minioadmin/minioadmin), else a minio/minio
 * container when Docker is reachable, else an in-process s3rver on a free port.
 */
export function getS3(): Promise<S3Service> {
  return resolveService(s3Help, s3Probes());
}
