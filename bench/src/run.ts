/**
 * `pnpm bench`: runs each comparison in its own process (so no comparison warms or pollutes another), collects
 * the rows, checks the targets and writes results/latest.md and results/latest.json.
 * Usage: pnpm bench [backend ...] [--only save-load|agent-loop|listing]
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Row } from './harness.js';
import { BACKENDS } from './targets.js';

const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args.splice(onlyIndex, 2)[1] : undefined;
const backends = args.length ? args : [...BACKENDS];
const comparisons = ['save-load', 'agent-loop', 'listing'].filter((c) => !only || c === only);

function run(comparison: string, backend: string): Promise<Row[]> {
  const file = fileURLToPath(new URL(`./comparisons/${comparison}.ts`, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        // s3rver (the local S3 fallback) signs continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
        ...(backend === 's3' ? ['--openssl-legacy-provider'] : []),
        '--conditions=@agent-sessions/source',
        '--import',
        'tsx',
        file,
        backend,
      ],
      { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1);
        if (error || !line)
          return reject(new Error(`${comparison} ${backend} failed: ${error?.message ?? ''}\n${stderr}`));
        resolve(JSON.parse(line) as Row[]);
      },
    );
  });
}

// A run over some backends replaces their rows in the last results and keeps the others'.
const previous = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../results/latest.json', import.meta.url), 'utf8')) as { rows: Row[] };
  } catch {
    return { rows: [] };
  }
})();
const titles: Record<string, string> = {
  'save-load': 'save/load',
  'agent-loop': 'agent loop',
  listing: 'listSessions',
};
const rerun = new Set(backends.flatMap((b) => comparisons.map((c) => `${b}: ${titles[c]}`)));
const rows: Row[] = previous.rows.filter((r) => !rerun.has(r.comparison));
const failures: string[] = [];
for (const backend of backends) {
  for (const comparison of comparisons) {
    process.stderr.write(`bench: ${comparison} ${backend}…\n`);
    try {
      rows.push(...(await run(comparison, backend)));
    } catch (error) {
      failures.push((error as Error).message.split('\n')[0]!);
      process.stderr.write(`${(error as Error).message}\n`);
    }
  }
}

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const find = (comparison: string, subject: string, operation: string, messages?: number, shape = 'application') =>
  rows.find(
    (r) =>
      r.comparison === comparison &&
      r.subject === subject &&
      r.operation === operation &&
      r.messages === messages &&
      (r.shape ?? 'canonical') === shape,
  );
const SPLIT = ['sqlite', 'redis', 'postgres'];

/** The targets of the performance issue (application-shaped documents), checked on this run's figures. */
function targets(): string[] {
  const lines: string[] = [];
  const line = (backend: string, target: string, figure: string, met: boolean) =>
    lines.push(`| ${backend} | ${target} | ${figure} | ${met ? 'met' : 'not met'} |`);
  const present = BACKENDS.filter((b) => rows.some((r) => r.comparison.startsWith(`${b}:`)));
  for (const backend of present) {
    const loop = `${backend}: agent loop`;
    if (SPLIT.includes(backend)) {
      for (const op of ['save', 'load']) {
        const ours = find(`${backend}: save/load`, 'agent-sessions', op, 200);
        if (ours?.vsBaseline !== undefined)
          line(backend, `${op} at 200 messages ≥ 0.6 × raw driver`, ours.vsBaseline.toFixed(2), ours.vsBaseline >= 0.6);
        const peers = rows.filter(
          (r) =>
            r.comparison === `${backend}: save/load` &&
            r.operation === op &&
            r.messages === 200 &&
            r.shape === 'application' &&
            /keyv|unstorage/.test(r.subject),
        );
        for (const peer of peers) {
          if (!ours) continue;
          // Redis save against unstorage (a bare SET): 0.6 ×; everything else: at least as fast as the peer.
          const bar = peer.subject.startsWith('unstorage') ? 0.6 : 1;
          if (peer.subject.startsWith('unstorage') && op === 'load') continue;
          line(
            backend,
            `${op} at 200 ≥ ${bar} × ${peer.subject}`,
            (peer.ms / ours.ms).toFixed(2),
            peer.ms / ours.ms >= bar,
          );
        }
      }
      const a50 = find(loop, 'appendMessages', 'turn', 50);
      const a5k = find(loop, 'appendMessages', 'turn', 5000);
      const s5k = find(loop, 'save', 'turn', 5000);
      const w5k = find(loop, 'raw whole rewrite', 'turn', 5000);
      if (a50 && a5k)
        line(backend, 'appendMessages at 5,000 ≤ 3 × at 50', (a5k.ms / a50.ms).toFixed(2), a5k.ms <= 3 * a50.ms);
      if (s5k && w5k)
        line(
          backend,
          'save(+1 message) at 5,000 ≤ 0.2 × whole rewrite',
          (s5k.ms / w5k.ms).toFixed(2),
          s5k.ms <= 0.2 * w5k.ms,
        );
      const list = rows.find(
        (r) => r.comparison === `${backend}: listSessions` && r.operation.startsWith('first page'),
      );
      if (list) line(backend, 'listSessions first page < 20 ms at 10,000', `${fmt(list.ms)} ms`, list.ms < 20);
    }
    if (backend === 'file') {
      const a5k = find(loop, 'appendMessages', 'turn', 5000);
      const s5k = find(loop, 'save', 'turn', 5000);
      if (a5k && s5k)
        line(backend, 'appendMessages at 5,000 ≤ save at 5,000', (a5k.ms / s5k.ms).toFixed(2), a5k.ms <= s5k.ms);
    }
  }
  return lines;
}

/** Canonical figures of the run before, beside this run's (no regression). */
function previousMs(r: Row): string {
  if ((r.shape ?? 'canonical') !== 'canonical') return '';
  const old = previous.rows.find(
    (p) =>
      p.comparison === r.comparison &&
      p.subject === r.subject &&
      p.operation === r.operation &&
      p.messages === r.messages &&
      (p.shape ?? 'canonical') === 'canonical',
  );
  return old ? fmt(old.ms) : '';
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const date = new Date().toISOString();
const md: string[] = [`# agent-sessions benchmarks`, '', `${date} on ${machine}.`, ''];
md.push(
  'Times are mean milliseconds per operation (median of alternating rounds); "vs baseline" is the raw driver\'s time',
  'divided by ours for the same documents (1.00 = equal, higher = faster). "application" documents are the',
  "application's own objects (every message with `reasoning_content: null`, `is_error` left out when null, null for",
  'the head keys the wire format omits); "canonical" ones are what `load` returns. Raw baselines use the durability',
  "of the store's defaults: sqlite WAL with synchronous=FULL; file: temp file, fsync, rename, folder fsync; redis and",
  'postgres the same server and connection settings. "previous" is the canonical figure of the run before.',
  '',
);
for (const comparison of [...new Set(rows.map((r) => r.comparison))]) {
  md.push(
    `## ${comparison}`,
    '',
    '| documents | subject | operation | messages | ms | vs baseline | previous ms |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows.filter((x) => x.comparison === comparison))
    md.push(
      `| ${r.shape ?? ''} | ${r.subject} | ${r.operation} | ${r.messages ?? ''} | ${fmt(r.ms)} | ${r.vsBaseline === undefined ? '' : r.vsBaseline.toFixed(2)} | ${previousMs(r)} |`,
    );
  md.push('');
}
md.push('## Targets', '', '| backend | target | figure | result |', '| --- | --- | ---: | --- |', ...targets(), '');
if (failures.length) md.push('## Comparisons that failed to run', '', ...failures.map((f) => `- ${f}`), '');
const out = new URL('../results/', import.meta.url);
writeFileSync(new URL('latest.md', out), md.join('\n'));
writeFileSync(new URL('latest.json', out), `${JSON.stringify({ date, machine, rows, failures }, null, 2)}\n`);
process.stdout.write(md.join('\n'));
if (failures.length) process.exitCode = 1;
