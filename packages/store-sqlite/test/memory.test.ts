/** 10,000 saves of distinct 200-message sessions: the heap stays within the remembered-history budget. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMemoryBound } from '@agent-sessions/test-services/reliability';
import { tempDir } from './helpers.js';

const dir = tempDir('memory');

describeMemoryBound('sqlite', {
  spec: (namespace, historyCacheBytes) => ({
    module: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    factory: 'createSqliteStore',
    options: { path: join(dir, `${namespace}.db`), historyCacheBytes },
  }),
});
