/**
 * The shared suite again with gzip and atomic revisions: against the server itself when it honours conditional
 * writes (MinIO, AWS), else against s3rver behind the conditional-write gateway (test/support/conditional-gateway.ts),
 * so the If-Match / If-None-Match path and the race tests run on every machine. An 8 MiB maxDocumentBytes lets the
 * suite exercise SessionTooLargeError.
 */
import { afterAll } from 'vitest';
import { startConditionalGateway } from './support/conditional-gateway.js';
import { describeS3Conformance } from './support/conformance.js';
import { s3Service } from './support/service.js';

const s3 = await s3Service();
const gateway = s3.conditionalWrites ? null : await startConditionalGateway(s3.endpoint);
afterAll(() => gateway?.stop());

describeS3Conformance({
  name: `s3 gzip, conditional writes (${gateway ? `${s3.source} behind the conditional-write gateway` : s3.source})`,
  s3: gateway ? { ...s3, endpoint: gateway.endpoint, conditionalWrites: true } : s3,
  options: { gzip: true, conditionalWrites: true },
  atomicRevisions: true,
  maxDocumentBytes: 8 * 1024 * 1024,
});
