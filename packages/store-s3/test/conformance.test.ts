/**
 * The shared suite against the test-services S3 endpoint as it is: where the server ignores conditional headers
 * (s3rver), atomicRevisions is false and the suite names the race tests it skips.
 */
import { describeS3Conformance } from './support/conformance.js';
import { s3Service } from './support/service.js';

const s3 = await s3Service();
describeS3Conformance({
  name: `s3 (${s3.source}${s3.conditionalWrites ? '' : ', conditionalWrites: false'})`,
  s3,
  options: { conditionalWrites: s3.conditionalWrites },
  atomicRevisions: s3.conditionalWrites,
});
