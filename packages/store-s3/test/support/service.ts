/** The S3 service of one test file, stopped after the file's other after-hooks (which empty their prefixes). */
import { getS3, type S3Service } from '@agent-sessions/test-services';
import { afterAll } from 'vitest';

let service: Promise<S3Service> | undefined;

/** One S3 service per test file (s3rver when nothing else is there); call it from a file or describe body. */
export function s3Service(): Promise<S3Service> {
  if (service === undefined) {
    service = getS3();
    // Registered first, so it runs last: after hooks run in reverse order of registration.
    afterAll(async () => {
      await (await service)?.stop();
    });
  }
  return service;
}
