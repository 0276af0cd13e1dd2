/**
 * The shared suite again with gzip and atomic revisions: against the server itself when it honours conditional
 * writes (MinIO, AWS), else against s3rver behind the conditional-write gateway (test/support/conditional-gateway.ts),
 * so the If-Match / If-None-Match path and the race tests run on every machine. An 8 MiB maxDocumentBytes lets the
 * suite exercise SessionTooLargeError.
 */
import { testEncryption } from '@agent-sessions/core/conformance';
import { conditionalTarget } from './support/conditional-target.js';
import { describeS3Conformance } from './support/conformance.js';
import { s3Service } from './support/service.js';

const s3 = await s3Service();
const { target, gateway } = await conditionalTarget(s3);

describeS3Conformance({
  name: `s3 gzip, conditional writes (${gateway ? `${s3.source} behind the conditional-write gateway` : s3.source})`,
  s3: target,
  options: { gzip: true, conditionalWrites: true },
  atomicRevisions: true,
  maxDocumentBytes: 8 * 1024 * 1024,
});

// Once more with encryption at rest (sealed bodies, sealed names in the metadata).
describeS3Conformance({
  name: `s3 encrypted, gzip, conditional writes (${gateway ? `${s3.source} behind the conditional-write gateway` : s3.source})`,
  s3: target,
  options: { gzip: true, conditionalWrites: true },
  atomicRevisions: true,
  maxDocumentBytes: 8 * 1024 * 1024,
  encryption: testEncryption(),
});
