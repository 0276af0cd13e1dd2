/**
 * Child of the crash tests: writes the generations of crash-model.ts to its sessions, one write at a time and
 * alternating between them, until it is killed. argv[2]: JSON { spec, ids }. Prints "ready" once loaded, opens the
 * store on "go", continues every session from the generation stored, and prints `try <id> <g>` before each write
 * and `ack <id> <g> <revision>` once the store acknowledged it.
 */
import { readyThenWait } from './children.js';
import { appendedAt, generationOf, stepAt, versionAt } from './crash-model.js';
import { openStore, type StoreSpec } from './store-spec.js';

const { spec, ids } = JSON.parse(process.argv[2] as string) as { spec: StoreSpec; ids: string[] };
await readyThenWait();
const store = await openStore(spec);
const generations = new Map<string, number>();
for (const id of ids) {
  const stored = await store.load(id);
  generations.set(id, stored === null ? 0 : generationOf(stored));
}
const say = (line: string) => process.stdout.write(`${line}\n`);
for (let turn = 0; ; turn++) {
  const id = ids[turn % ids.length] as string;
  const g = (generations.get(id) as number) + 1;
  say(`try ${id} ${g}`);
  const { revision } =
    stepAt(g) === 'append' ? await store.appendMessages(id, appendedAt(id, g)) : await store.save(versionAt(id, g));
  generations.set(id, g);
  say(`ack ${id} ${g} ${revision}`);
}
