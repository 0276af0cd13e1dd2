/** The conformance call shared by the plain and the gzip/conditional runs. */

import type { EncryptionOptions } from '@agent-sessions/core';
import { describeSessionStoreConformance } from '@agent-sessions/core/conformance';
import type { S3Service } from '@agent-sessions/test-services';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll } from 'vitest';
import { readBody } from '../../src/body.js';
import { KeyLayout } from '../../src/keys.js';
import type { S3StoreOptions } from '../../src/options.js';
import { emptyPrefix, listKeys, openStore, rawClient, runPrefix } from './s3.js';

export interface ConformanceRun {
  name: string;
  s3: S3Service;
  /** Store options over the service's (endpoint, gzip, conditionalWrites, …). */
  options: Partial<S3StoreOptions>;
  atomicRevisions: boolean;
  maxDocumentBytes?: number;
  /** Run the suite with encryption at rest. */
  encryption?: EncryptionOptions;
}

export function describeS3Conformance(run: ConformanceRun): void {
  const { s3 } = run;
  const root = runPrefix('conformance');
  const raw = rawClient(s3);
  const prefixOf = (namespace: string) => `${root}${namespace}/`;
  describeSessionStoreConformance(run.name, {
    encryption: run.encryption,
    create: async (namespace, common) =>
      openStore(s3, prefixOf(namespace), {
        ...common,
        ...run.options,
        ...(run.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: run.maxDocumentBytes }),
      }),
    destroy: (_store, namespace) => emptyPrefix(raw, s3.bucket, prefixOf(namespace)),
    rawRead: async (namespace, id) => {
      const key = new KeyLayout(prefixOf(namespace)).documentKey(id);
      try {
        const out = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }), {
          abortSignal: AbortSignal.timeout(30_000),
        });
        return readBody(out.Body, { contentEncoding: out.ContentEncoding, expectedBytes: undefined }, key, id);
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return null;
        throw error;
      }
    },
    // A truncated body, as a client that died mid-upload through a proxy could leave; the metadata goes with it.
    damage: async (namespace, id) => {
      const key = new KeyLayout(prefixOf(namespace)).documentKey(id);
      await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: '{"id":"' }));
    },
    capabilities: {
      atomicRevisions: run.atomicRevisions,
      ...(run.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: run.maxDocumentBytes }),
    },
  });
  afterAll(async () => {
    await emptyPrefix(raw, s3.bucket, root);
    const left = await listKeys(raw, s3.bucket, root);
    raw.destroy();
    if (left.length > 0) throw new Error(`conformance left ${left.length} objects under ${root}`);
  });
}
