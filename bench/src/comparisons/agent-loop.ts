/**
 * The agent loop: 200 turns of one new message followed by `save(session)`, or by `appendMessages(id, [message])`,
 * from 50 and from 5,000 messages; beside a whole-document rewrite of the same session by the raw driver each turn.
 * Twice: with the application's own session object and messages (nulls where the wire format omits keys; the object
 * it saved first, never what load returned), and with the document load returned (canonical).
 */
import { benchMessage, benchSession, measure, type Row, report, SHAPES, shaped } from '../harness.js';
import { type Backend, openTarget } from '../targets.js';

const backend = process.argv[2] as Backend;
const TURNS = 200;
const target = await openTarget(backend);
const store = await target.store();
const rows: Row[] = [];
const comparison = `${backend}: agent loop`;
try {
  for (const shape of SHAPES)
    for (const start of [50, 5000]) {
      for (const mode of ['save', 'appendMessages', 'raw whole rewrite'] as const) {
        const id = `loop-${shape}-${start}-${mode.replace(/\W/g, '')}`;
        const own = shaped(benchSession(id, start), shape);
        await store.save(own);
        // The application keeps its own object; a canonical loop works on what load returned.
        const session = shape === 'application' ? own : (await store.load(id))!;
        let turn = start;
        const m = await measure(
          async () => {
            const message = shaped(benchMessage(turn++), shape);
            session.messages.push(message);
            if (mode === 'save') await store.save(session);
            else if (mode === 'appendMessages') await store.appendMessages(id, [message]);
            else await target.raw.save(id, session);
          },
          { minMs: 0, minOps: TURNS, warmup: 0 },
        );
        rows.push({ comparison, subject: mode, operation: 'turn', messages: start, ms: m.ms, shape });
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
