/** Three processes on one folder: no lost update, no double update, one winner per create round. */
import { fileURLToPath } from 'node:url';
import { describeLostUpdates } from '@agent-sessions/test-services/reliability';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('lost-updates');

describeLostUpdates('file', {
  spec: () => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createFileStore',
    options: { dir: newDir(), fsync: false },
  }),
});
