// Child process: saves ever larger versions of one session, printing each committed revision, until it is killed.
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';
import { SqliteSessionStore } from '../../src/index.js';

const [path] = process.argv.slice(2);
const store = new SqliteSessionStore({ path: path as string });
const doc = makeSession('victim', { messages: 0 });
for (let i = 0; ; i++) {
  // Every save rewrites the whole history (an edit at the front), so a kill lands in the middle of large writes.
  doc.messages = Array.from({ length: 200 + (i % 50) }, (_, k) => makeMessage(k, `v${i} m${k} `.padEnd(500, 'x')));
  doc.updated_at = i;
  const { revision } = await store.save(doc);
  process.stdout.write(`${revision}\n`);
}
