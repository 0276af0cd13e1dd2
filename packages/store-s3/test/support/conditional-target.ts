/**
 * The server that tests of atomic revisions run against: the test server itself when it honours conditional writes
 * (MinIO, AWS), else s3rver behind the conditional-write gateway, stopped after the test file.
 */
import type { S3Service } from '@agent-sessions/test-services';
import { afterAll } from 'vitest';
import { type ConditionalGateway, startConditionalGateway } from './conditional-gateway.js';

export async function conditionalTarget(
  s3: S3Service,
): Promise<{ target: S3Service; gateway: ConditionalGateway | null }> {
  const gateway = s3.conditionalWrites ? null : await startConditionalGateway(s3.endpoint);
  afterAll(() => gateway?.stop());
  return { target: gateway ? { ...s3, endpoint: gateway.endpoint, conditionalWrites: true } : s3, gateway };
}
