import { packageProject } from '../../../../vitest.shared.js';

// Not part of the normal test run: conformance-catches-broken.test.ts runs this config once per broken adapter.
export default packageProject('broken-adapters', { include: ['broken.suite.ts'], root: __dirname });
