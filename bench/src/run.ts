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
const find = (comparison: string, subject: string, operation: string, messages?: number) =>
  rows.find(
    (r) => r.comparison === comparison && r.subject === subject && r.operation === operation && r.messages === messages,
  );

/** The targets of the performance issue, checked on this run's figures. */
function targets(): string[] {
  const lines: string[] = [];
  const present = BACKENDS.filter((b) => rows.some((r) => r.comparison.startsWith(`${b}:`)));
  for (const backend of present) {
    for (const op of ['save', 'load']) {
      const ours = find(`${backend}: save/load`, 'agent-sessions', op, 200);
      if (ours?.vsBaseline !== undefined)
        lines.push(
          `| ${backend} | ${op} at 200 messages ≥ 0.85 × raw driver | ${ours.vsBaseline.toFixed(2)} | ${ours.vsBaseline >= 0.85 ? 'met' : 'not met'} |`,
        );
      const peers = rows.filter(
        (r) =>
          r.comparison === `${backend}: save/load` &&
          r.operation === op &&
          r.messages === 200 &&
          /keyv|unstorage/.test(r.subject),
      );
      for (const peer of peers)
        if (ours)
          lines.push(
            `| ${backend} | ${op} at 200 no slower than ${peer.subject} | ${(peer.ms / ours.ms).toFixed(2)} | ${ours.ms <= peer.ms ? 'met' : 'not met'} |`,
          );
    }
    // The agent-loop and listing targets are set for the backends that write only new messages.
    if (!['sqlite', 'redis', 'postgres'].includes(backend)) continue;
    const loop = `${backend}: agent loop`;
    const a50 = find(loop, 'appendMessages', 'turn', 50);
    const a5k = find(loop, 'appendMessages', 'turn', 5000);
    const s5k = find(loop, 'save', 'turn', 5000);
    const w5k = find(loop, 'raw whole rewrite', 'turn', 5000);
    if (a50 && a5k)
      lines.push(
        `| ${backend} | appendMessages at 5,000 ≤ 3 × at 50 | ${(a5k.ms / a50.ms).toFixed(2)} | ${a5k.ms <= 3 * a50.ms ? 'met' : 'not met'} |`,
      );
    if (s5k && w5k)
      lines.push(
        `| ${backend} | save at 5,000 ≤ 0.3 × whole rewrite | ${(s5k.ms / w5k.ms).toFixed(2)} | ${s5k.ms <= 0.3 * w5k.ms ? 'met' : 'not met'} |`,
      );
    const list = rows.find((r) => r.comparison === `${backend}: listSessions` && r.operation.startsWith('first page'));
    if (list)
      lines.push(
        `| ${backend} | listSessions first page < 20 ms at 10,000 | ${fmt(list.ms)} ms | ${list.ms < 20 ? 'met' : 'not met'} |`,
      );
  }
  return lines;
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const date = new Date().toISOString();
const md: string[] = [`# agent-sessions benchmarks`, '', `${date} on ${machine}.`, ''];
md.push(
  'Times are mean milliseconds per operation; "vs raw" is the raw driver\'s time divided by ours (1.00 = equal, higher = faster).',
  '',
);
for (const comparison of [...new Set(rows.map((r) => r.comparison))]) {
  md.push(
    `## ${comparison}`,
    '',
    '| subject | operation | messages | ms | vs baseline |',
    '| --- | --- | ---: | ---: | ---: |',
  );
  for (const r of rows.filter((x) => x.comparison === comparison))
    md.push(
      `| ${r.subject} | ${r.operation} | ${r.messages ?? ''} | ${fmt(r.ms)} | ${r.vsBaseline === undefined ? '' : r.vsBaseline.toFixed(2)} |`,
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
