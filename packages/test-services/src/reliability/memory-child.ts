/**
 * Child of the memory test, run with --expose-gc: saves `sessions` distinct sessions of `messages` messages each
 * and prints the heap in use after a full GC every `sampleEvery` saves, as `heap <saves> <bytes>` lines, then
 * "done".
 */
import { readyThenWait } from './children.js';
import { baseSession, textMessage } from './model.js';
import { openStore, type StoreSpec } from './store-spec.js';

const { spec, sessions, messages, sampleEvery } = JSON.parse(process.argv[2] as string) as {
  spec: StoreSpec;
  sessions: number;
  messages: number;
  sampleEvery: number;
};
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const store = await openStore(spec);
await store.healthCheck();
await readyThenWait();

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

process.stdout.write(`heap 0 ${heapAfterGc()}\n`);
for (let i = 1; i <= sessions; i++) {
  const id = `mem-${i}`;
  const history = Array.from({ length: messages }, (_, m) => textMessage(m, `${id} message ${m} ${'x'.repeat(40)}`));
  await store.save(baseSession(id, id, history));
  if (i % sampleEvery === 0) process.stdout.write(`heap ${i} ${heapAfterGc()}\n`);
}
await store.close();
process.stdout.write('done\n');
