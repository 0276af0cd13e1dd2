/** `--json` on doctor, migrate, import, export and rm: one JSON document where the text summary would be. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSession } from '@agent-sessions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSession, openTestStore, runCli, seed, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const url = `file:${join(dir.dir, 'sessions')}`;

beforeAll(async () => {
  const store = await openTestStore(url);
  await seed(store, 3);
  await store.close();
});

describe('--json', () => {
  it('doctor: the steps and healthy', async () => {
    const r = await runCli(['doctor', '--json', '--store', url]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ store: url, package: '@agent-sessions/store-file', healthy: true });
    expect(report.steps.map((s: { name: string }) => s.name)).toEqual([
      'open',
      'health check',
      'list',
      'write/read/delete',
    ]);
    expect(report.steps.every((s: { ok: boolean; ms: number }) => s.ok && s.ms >= 0)).toBe(true);
  });

  it('doctor of a missing store: healthy false with the error, exit 1', async () => {
    const r = await runCli(['doctor', '--json', '--store', `file:${join(dir.dir, 'nope')}`]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.healthy).toBe(false);
    expect(report.steps).toEqual([{ name: 'open', ok: false, ms: expect.any(Number), detail: null }]);
    expect(report.error).toEqual({ code: 'STORE_ACCESS', message: expect.stringContaining('does not exist') });
  });

  it('migrate: the counts', async () => {
    const to = `sqlite:${join(dir.dir, 'copy.db')}`;
    const r = await runCli(['migrate', '--from', url, '--to', to, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      from: url,
      to,
      dryRun: false,
      copied: 3,
      skipped: 0,
      failed: 0,
      gone: 0,
      interrupted: false,
    });
  });

  it('import: the counts on stdout', async () => {
    const input = `${encodeSession(makeSession(9))}\nnot json\n`;
    const r = await runCli(['import', '--json', '--store', `file:${join(dir.dir, 'imported')}`], { input });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ imported: 1, skipped: 0, invalid: 1, stopped: false });
    expect(r.stderr).toContain('line 2:');
  });

  it('export: the summary on stderr when stdout has the sessions, on stdout with -o FILE', async () => {
    const piped = await runCli(['export', '--json', '--store', url]);
    expect(piped.code).toBe(0);
    expect(piped.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(JSON.parse(piped.stderr.trimEnd().split('\n').at(-1) as string)).toEqual({
      exported: 3,
      missing: 0,
      corrupt: 0,
      closedEarly: false,
      output: null,
    });
    const file = join(dir.dir, 'out.jsonl');
    const toFile = await runCli(['export', '--json', '-o', file, '--store', url]);
    expect(JSON.parse(toFile.stdout)).toMatchObject({ exported: 3, output: file });
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(3);
  });
});
