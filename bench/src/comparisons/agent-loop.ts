/**
 * The agent loop: load once, then 200 turns of one new message followed by `save(session)`, or by
 * `appendMessages(id, [message])`, from 50 and from 5,000 messages; beside a whole-document rewrite of the same
 * session by the raw driver each turn.
 */
import { benchMessage, benchSession, measure, type Row, report } from '../harness.js';
import { type Backend, openTarget } from '../targets.js';

const backend = process.argv[2] as Backend;
const TURNS = 200;
const target = await openTarget(backend);
const store = await target.store();
const rows: Row[] = [];
const comparison = `${backend}: agent loop`;
try {
  for (const start of [50, 5000]) {
    for (const mode of ['save', 'appendMessages', 'raw whole rewrite'] as const) {
      const id = `loop-${start}-${mode.replace(/\W/g, '')}`;
      await store.save(benchSession(id, start));
      const session = (await store.load(id))!;
      let turn = start;
      const m = await measure(
        async () => {
          const message = benchMessage(turn++);
          session.messages.push(message);
          if (mode === 'save') await store.save(session);
          else if (mode === 'appendMessages') await store.appendMessages(id, [message]);
          else await target.raw.save(id, session);
        },
        { minMs: 0, minOps: TURNS, warmup: 0 },
      );
      rows.push({ comparison, subject: mode, operation: 'turn', messages: start, ms: m.ms });
      if (mode !== 'raw whole rewrite') {
        const back = await store.load(id);
        if (back?.messages.length !== start + TURNS)
          throw new Error(`${mode}: expected ${start + TURNS} messages, found ${back?.messages.length}`);
      }
    }
  }
} finally {
  await store.close();
  await target.cleanup();
}
report(rows);
