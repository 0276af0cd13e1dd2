import { packageProject } from '../../vitest.shared.js';

// The in-process s3rver (the test-services fallback when no MinIO is there) signs ListObjectsV2 continuation tokens
// with DES, which OpenSSL 3 only offers through its legacy provider: without it every truncated listing is a 500.
// Hooks empty prefixes on a local server that writes every object as files: allow them a minute.
export default packageProject('store-s3', { execArgv: ['--openssl-legacy-provider'], hookTimeout: 60_000 });
