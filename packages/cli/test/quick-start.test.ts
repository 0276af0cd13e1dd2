/**
 * The quick start from a clone: the demo (`pnpm start`) says its model is scripted, prints what it saved and how
 * to see it, and reuses its session on a rerun; `pnpm cli …` runs this package's command from the root.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PKG_DIR, runCli, TSX_LOADER, tempDir } from './helpers.js';

const ROOT = join(PKG_DIR, '..', '..');
const DEMO = join(ROOT, 'examples', 'agent-loop', 'src', 'main.ts');
const dir = tempDir();
afterAll(() => dir.remove());

function demo(): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SESSION_STORE_URL;
  const r = spawnSync(process.execPath, ['--conditions=@agent-sessions/source', '--import', TSX_LOADER, DEMO], {
    cwd: dir.dir,
    env,
    encoding: 'utf8',
    timeout: 45_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the demo', () => {
  it('says the model is scripted, prints the saved conversation and the command to see it', () => {
    const r = demo();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('model: scripted');
    expect(r.stdout).toContain('the saved conversation "fix-login-tests" (12 messages):');
    expect(r.stdout).toContain('user      The login tests fail. Why?');
    expect(r.stdout).toContain('[tool call edit');
    expect(r.stdout).toContain('pnpm cli show demo-fix-login-tests');
  });

  it('a rerun replaces its session instead of adding a copy, and `show` finds it', async () => {
    const r = demo();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rerun: replacing the demo session saved last time');
    const ls = await runCli(['ls', '--json'], { cwd: dir.dir, env: { AGENT_SESSIONS_RESOLVE_FROM: PKG_DIR } });
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout).map((s: { id: string }) => s.id)).toEqual(['demo-fix-login-tests']);
    const show = await runCli(['show', 'demo-fix-login-tests'], {
      cwd: dir.dir,
      env: { AGENT_SESSIONS_RESOLVE_FROM: PKG_DIR },
    });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('The login tests fail. Why?');
  });
});

describe('pnpm cli from the root of a clone', () => {
  it('the root script runs this package’s bin', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const cli = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
    expect(root.scripts.cli).toBe(`node packages/cli/${cli.bin['agent-sessions'].replace(/^\.\//, '')}`);
  });
});
