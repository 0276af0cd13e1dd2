import { packageProject } from '../../vitest.shared.js';

// Each test starts the command as a child process (and some start several); on a busy 2-core machine that can take
// longer than vitest's 5 s default, which would kill a test while its child still writes.
export default packageProject('cli', {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // The viewer's page scripts are compiled output (dist/web): build them before any test serves them.
  globalSetup: ['test/build-viewer.ts'],
});
