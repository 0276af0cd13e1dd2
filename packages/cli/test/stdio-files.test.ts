/** `-` is standard input or output; a missing input or output file is one line naming it, not a raw ENOENT. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSession } from '@agent-sessions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSession, openTestStore, runCli, seed, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const url = `file:${join(dir.dir, 'sessions')}`;

beforeAll(async () => {
  const store = await openTestStore(url);
  await seed(store, 2);
  await store.close();
});

describe('- and missing files', () => {
  it('export -o - writes to stdout and creates no file named "-"', async () => {
    const r = await runCli(['export', '-o', '-', '--store', url], { cwd: dir.dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(existsSync(join(dir.dir, '-'))).toBe(false);
  });

  it('import -i - reads stdin', async () => {
    const target = `file:${join(dir.dir, 'target')}`;
    const r = await runCli(['import', '-i', '-', '--store', target], {
      cwd: dir.dir,
      input: `${encodeSession(makeSession(7))}\n`,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('import: 1 imported');
  });

  it('import -i of a missing file: one line naming it, exit 1', async () => {
    const missing = join(dir.dir, 'nope.jsonl');
    const r = await runCli(['import', '-i', missing, '--store', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`agent-sessions: cannot read ${missing}: no such file (check the path)\n`);
  });

  it('export -o into a missing folder: one line naming it, exit 1', async () => {
    const out = join(dir.dir, 'no-folder', 'x.jsonl');
    const r = await runCli(['export', '-o', out, '--store', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `agent-sessions: cannot write ${out}: the folder ${join(dir.dir, 'no-folder')} does not exist\n`,
    );
  });
});
