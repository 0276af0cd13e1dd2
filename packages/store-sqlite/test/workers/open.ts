// Child process: waits until the given time, then opens the store (creating or migrating the file) and saves once.
import { makeSession } from '@agent-sessions/core/conformance';
import { SqliteSessionStore } from '../../src/index.js';

const [path, at, id] = process.argv.slice(2);
while (Date.now() < Number(at)) await new Promise((r) => setTimeout(r, 1));
const store = new SqliteSessionStore({ path: path as string, busyTimeoutMs: 10_000 });
await store.save(makeSession(id as string));
await store.close();
process.stdout.write('ok');
