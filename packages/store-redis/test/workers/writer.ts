/**
 * A separate process writing one Redis namespace: `writer.ts <url> <prefix> <worker> <appends>`.
 * It appends `appends` messages to "shared" without a revision, one call each, then tries to create "race" with
 * expectedRevision 0, and prints what happened as JSON.
 */
import { SessionConflictError } from '@agent-sessions/core/adapter';
import { RedisSessionStore } from '../../src/index.js';

const [url, prefix, worker, appends] = process.argv.slice(2) as [string, string, string, string];
const store = new RedisSessionStore({ url, prefix, operationTimeoutMs: 10_000 });
try {
  const revisions: number[] = [];
  for (let i = 0; i < Number(appends); i++) {
    const text = `worker ${worker} message ${i}`;
    const { revision } = await store.appendMessages('shared', [{ role: 'user', content: [{ type: 'text', text }] }]);
    revisions.push(revision);
  }
  const shared = await store.load('shared');
  if (shared === null) throw new Error('"shared" is missing');
  let created = false;
  try {
    await store.save({ ...shared, id: 'race', messages: [] }, { expectedRevision: 0 });
    created = true;
  } catch (error) {
    if (!(error instanceof SessionConflictError)) throw error;
  }
  process.stdout.write(JSON.stringify({ revisions, created }));
} finally {
  await store.close();
}
