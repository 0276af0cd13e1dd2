// Child process: from the given start time, increments a counter in one session `rounds` times with optimistic revisions (read, +1, save with
// expectedRevision, retry on conflict). Prints the number of conflicts it met.
import { SessionConflictError } from '@agent-sessions/core/adapter';
import { SqliteSessionStore } from '../../src/index.js';

const [path, rounds, at] = process.argv.slice(2);
const store = new SqliteSessionStore({ path: path as string, busyTimeoutMs: 10_000 });
let conflicts = 0;
// Start together, so the two processes really overlap.
while (Date.now() < Number(at)) await new Promise((r) => setTimeout(r, 1));
for (let done = 0; done < Number(rounds); ) {
  const current = (await store.get('counter'))!;
  const session = current.session as typeof current.session & { counter: number };
  session.counter += 1;
  try {
    await store.save(session, { expectedRevision: current.revision });
    done++;
  } catch (error) {
    if (!(error instanceof SessionConflictError)) throw error;
    conflicts++;
  }
}
await store.close();
process.stdout.write(String(conflicts));
