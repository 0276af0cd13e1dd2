/**
 * Child of the lost-update tests. argv[2]: JSON { spec, mode, id, count, label }. Prints "ready", waits for "go",
 * works, prints one JSON line:
 * - `rmw`: `count` read-modify-save cycles on session `id`, each adding the message `<label>:<i>` with
 *   expectedRevision and retrying on conflict → { conflicts, revisions };
 * - `append`: `count` appendMessages of `<label>:<i>` without a revision → { revisions };
 * - `create`: for round r < count, at the start moment + r × slotMs (so that every process tries each round at
 *   the same moment), save session `<id>-<r>` with expectedRevision 0 → { wins: r[], conflicts }.
 */
import { readyThenWait } from './children.js';
import { baseSession, errorCodeOf, textMessage } from './model.js';
import { openStore, type StoreSpec } from './store-spec.js';

const { spec, mode, id, count, label, slotMs } = JSON.parse(process.argv[2] as string) as {
  spec: StoreSpec;
  mode: 'rmw' | 'append' | 'create';
  id: string;
  count: number;
  label: string;
  slotMs: number;
};
const store = await openStore(spec);
await store.healthCheck();
const start = await readyThenWait();

const isConflict = (error: unknown) => errorCodeOf(error) === 'SESSION_CONFLICT';
let result: object;
if (mode === 'rmw') {
  let conflicts = 0;
  const revisions: number[] = [];
  for (let i = 0; i < count; i++) {
    for (;;) {
      const current = await store.get(id);
      if (current === null) throw new Error(`session ${id} is missing`);
      const { session } = current;
      const next = { ...session, messages: [...session.messages, textMessage(i, `${label}:${i}`)] };
      try {
        revisions.push((await store.save(next, { expectedRevision: current.revision })).revision);
        break;
      } catch (error) {
        if (!isConflict(error)) throw error;
        conflicts++;
      }
    }
  }
  result = { conflicts, revisions };
} else if (mode === 'append') {
  const revisions: number[] = [];
  for (let i = 0; i < count; i++)
    revisions.push((await store.appendMessages(id, [textMessage(i, `${label}:${i}`)])).revision);
  result = { revisions };
} else {
  const wins: number[] = [];
  let conflicts = 0;
  for (let r = 0; r < count; r++) {
    const wait = start + r * slotMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      await store.save(baseSession(`${id}-${r}`, label), { expectedRevision: 0 });
      wins.push(r);
    } catch (error) {
      if (!isConflict(error)) throw error;
      conflicts++;
    }
  }
  result = { wins, conflicts };
}
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
