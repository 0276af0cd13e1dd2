/** listSessions: the first page of 50 from 10,000 stored sessions. */
import { benchSession, measure, type Row, report } from '../harness.js';
import { type Backend, openTarget } from '../targets.js';

const backend = process.argv[2] as Backend;
// The listing target is for sqlite, redis and postgres; the file and S3 stores list 1,000 (their fill is slow).
const COUNT = Number(process.env.BENCH_LIST_COUNT ?? (backend === 'file' || backend === 's3' ? 1000 : 10_000));
const target = await openTarget(backend);
const store = await target.store();
const rows: Row[] = [];
try {
  const template = benchSession('t', 2);
  const queue = Array.from({ length: COUNT }, (_, i) => i);
  // Fill with bounded concurrency: the fill is not what is measured.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift())
        await store.save({ ...template, id: `list-${i}`, updated_at: 1_700_000_000 + (i % 997) });
    }),
  );
  const first = await store.listSessions({ limit: 50 });
  if (first.sessions.length !== 50 || first.nextCursor === null) throw new Error('unexpected first page');
  const page = await measure(() => store.listSessions({ limit: 50 }), { minMs: 1500, minOps: 20 });
  rows.push({
    comparison: `${backend}: listSessions`,
    subject: 'agent-sessions',
    operation: `first page of 50 from ${COUNT}`,
    ms: page.ms,
  });
  const next = await measure(() => store.listSessions({ limit: 50, cursor: first.nextCursor! }), {
    minMs: 1000,
    minOps: 20,
  });
  rows.push({
    comparison: `${backend}: listSessions`,
    subject: 'agent-sessions',
    operation: `second page (cursor) of ${COUNT}`,
    ms: next.ms,
  });
} finally {
  await store.close();
  await target.cleanup();
}
report(rows);
