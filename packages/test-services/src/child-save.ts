/**
 * Saves a document from another process: for tests of what a store does when the process that saves has never seen
 * the session (nothing remembered, nothing shared but the storage). The child opens the store with the adapter's own
 * `openFromUrl`, saves the document it reads on stdin and prints the revision.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EncryptionOptions } from '@agent-sessions/core';

const WORKER = fileURLToPath(new URL('./save-worker.ts', import.meta.url));

/**
 * `adapter`: the path of the adapter module (its `src/index.ts`); `url`: the store URL to open; `encryption`: the
 * store's encryption, handed to the child beside the URL (test keys only: they travel in its environment).
 */
export function saveInChildProcess(
  adapter: string,
  url: string,
  document: unknown,
  encryption?: EncryptionOptions,
): Promise<number> {
  const env = { ...process.env };
  if (encryption !== undefined)
    env.AGENT_SESSIONS_TEST_ENCRYPTION = JSON.stringify({
      ...encryption,
      keys: encryption.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key).toString('base64') })),
    });
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--conditions=@agent-sessions/source', '--import', 'tsx', WORKER, adapter, url],
      { timeout: 60_000, env },
      (error, stdout, stderr) =>
        error ? reject(new Error(`the saving process failed: ${error.message}\n${stderr}`)) : resolve(Number(stdout)),
    );
    child.stdin?.end(JSON.stringify(document));
  });
}
