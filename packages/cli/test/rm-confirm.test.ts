/**
 * `rm` on a terminal asks before deleting (driven in-process with a stdin that says it is a TTY); `--yes` does not
 * ask, `--dry-run` removes nothing, and without a terminal (a script) it does not ask.
 */
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { SessionStore } from '@agent-sessions/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../src/cli.js';
import { makeSession, openTestStore, PKG_DIR, runCli, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const url = `file:${join(dir.dir, 'sessions')}`;

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Runs `agent-sessions <args>` in this process with a terminal stdin that answers `answer`. */
async function onTerminal(args: string[], answer: string | null) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const stdout = collect();
  const stderr = collect();
  const pending = run(args, {
    stdin,
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { AGENT_SESSIONS_PROGRESS: 'off', AGENT_SESSIONS_RESOLVE_FROM: PKG_DIR },
    cwd: dir.dir,
  });
  // Answer once the question is on the screen.
  for (let i = 0; i < 400 && !stderr.text().includes('[y/N]') && answer !== null; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  if (answer !== null) stdin.end(`${answer}\n`);
  const code = await pending;
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let store: SessionStore;
beforeEach(async () => {
  store ??= await openTestStore(url);
  for (const i of [1, 2]) await store.save(makeSession(i));
});
afterAll(() => store?.close());

describe('rm asks first on a terminal', () => {
  it('"n" keeps the session and exits 1', async () => {
    const r = await onTerminal(['rm', 's-0001', '--store', url], 'n');
    expect(r.stderr).toContain('Remove session "s-0001"? [y/N]');
    expect(r.stderr).toContain('nothing removed');
    expect(r.code).toBe(1);
    expect(await store.exists('s-0001')).toBe(true);
  });

  it('"y" removes it', async () => {
    const r = await onTerminal(['rm', 's-0001', 's-0002', '--store', url], 'y');
    expect(r.stderr).toContain('Remove 2 sessions (s-0001, s-0002)? [y/N]');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('removed s-0001\nremoved s-0002\n');
    expect(await store.exists('s-0001')).toBe(false);
  });

  it('--yes does not ask', async () => {
    const r = await onTerminal(['rm', 's-0001', '--yes', '--store', url], null);
    expect(r.stderr).not.toContain('[y/N]');
    expect(r.code).toBe(0);
    expect(await store.exists('s-0001')).toBe(false);
  });

  it('--dry-run says what it would remove and removes nothing; --json reports it', async () => {
    const r = await onTerminal(['rm', 's-0001', 'ghost', '--dry-run', '--json', '--store', url], null);
    expect(JSON.parse(r.stdout)).toEqual({ removed: [], missing: ['ghost'], wouldRemove: ['s-0001'] });
    expect(r.code).toBe(1);
    expect(await store.exists('s-0001')).toBe(true);
    const plain = await onTerminal(['rm', 's-0002', '--dry-run', '--store', url], null);
    expect(plain.stdout).toBe('would remove s-0002\n');
    expect(plain.code).toBe(0);
    expect(await store.exists('s-0002')).toBe(true);
  });

  it('without a terminal (a script) it removes without asking', async () => {
    const r = await runCli(['rm', 's-0002', '--json', '--store', url]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ removed: ['s-0002'], missing: [] });
    expect(await store.exists('s-0002')).toBe(false);
  });
});
