// Child process: in each round, at the same moment as its rival, writes session `contested` with expectedRevision
// 1 + round (even rounds: save of a renamed document; odd rounds: appendMessages). Prints W (won) or L (conflict)
// per round.
import { SessionConflictError } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';
import { SqliteSessionStore } from '../../src/index.js';

const [path, rounds, name, start, slot] = process.argv.slice(2);
const store = new SqliteSessionStore({ path: path as string, busyTimeoutMs: 10_000 });
const base = (await store.get('contested'))!.session;
let out = '';
for (let round = 0; round < Number(rounds); round++) {
  const wait = Number(start) + round * Number(slot) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const expectedRevision = 1 + round;
  try {
    if (round % 2 === 0)
      await store.save({ ...base, config: { ...base.config, name: `${name}:${round}` } }, { expectedRevision });
    else await store.appendMessages('contested', [makeMessage(round, `${name}:${round}`)], { expectedRevision });
    out += 'W';
  } catch (error) {
    if (!(error instanceof SessionConflictError) || (error.currentRevision ?? 0) <= expectedRevision) throw error;
    out += 'L';
  }
}
await store.close();
process.stdout.write(out);
