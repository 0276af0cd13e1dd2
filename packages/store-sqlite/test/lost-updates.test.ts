/** Three processes on one database file: no lost update, no double update, one winner per create round. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLostUpdates } from '@agent-sessions/test-services/reliability';
import { tempDir } from './helpers.js';

const dir = tempDir('lost-updates');

describeLostUpdates('sqlite', {
  spec: (namespace) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createSqliteStore',
    options: { path: join(dir, `${namespace}.db`) },
  }),
});
