/** Exit codes and one-line errors for calls that never reach a store's data. */
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runCli, tempDir } from './helpers.js';

function oneLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

const notInstalled = (dir: string) => ({ AGENT_SESSIONS_RESOLVE_FROM: dir, NODE_PATH: undefined });

describe('usage', () => {
  it('prints help with every command and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['ls', 'show', 'rm', 'export', 'import', 'migrate', 'doctor'])
      expect(r.stdout).toContain(command);
    expect(r.stdout).toContain('Exit codes');
  });

  it('prints a command help', async () => {
    const r = await runCli(['migrate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--dry-run');
  });

  it.each([
    [[], 'missing command'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['ls', '--colour'], 'ls: unknown option --colour'],
    [['ls', '--jsno'], 'ls: unknown option --jsno; did you mean --json?'],
    [['export', '--ouput', 'x'], 'did you mean --output?'],
    [['sohw', 'x'], 'unknown command "sohw"; did you mean "show"?'],
    [['show', ''], 'Invalid session id: it is empty'],
    [['show', 'a\u0001'], 'Invalid session id: it contains a control character'],
    [['rm', 'a\u0001', '--yes'], 'Invalid session id'],
    [['ls', '--limit', 'ten'], '--limit must be an integer'],
    [['ls', '--limit', '0'], '--limit must be an integer'],
    [['show'], 'show needs a session id'],
    [['migrate', '--from', 'file:./a'], 'migrate needs --to URL'],
    [['ls', '--progress', 'fancy'], '--progress'],
    [['ls', '--store', 'no-scheme-here'], 'has no scheme'],
    [['ls', '--store', 'ftp://host/x'], 'unknown scheme "ftp:"'],
  ])('%j is a usage error: exit 2, one line', async (args, expected) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toContain(expected);
    expect(r.stderr.startsWith('agent-sessions: ')).toBe(true);
  });

  it('names the package to install when the backend is missing', async () => {
    const app = tempDir();
    try {
      // An application folder without node_modules: the file store's package cannot be found from it. NODE_PATH
      // goes too: pnpm points it at its hoisted store, where require.resolve would find every workspace package.
      const r = await runCli(['ls', '--store', 'file:./sessions'], { env: notInstalled(app.dir) });
      expect(r.code).toBe(1);
      const line = oneLine(r.stderr);
      expect(line).toContain('@agent-sessions/store-file');
      expect(line).toContain('npm install @agent-sessions/store-file');
      expect(hasStackTrace(r.stderr)).toBe(false);
    } finally {
      app.remove();
    }
  });

  it('prints the stack with --debug', async () => {
    const app = tempDir();
    try {
      const r = await runCli(['ls', '--debug', '--store', 'file:./sessions'], {
        env: notInstalled(app.dir),
      });
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toContain('@agent-sessions/store-file');
      expect(hasStackTrace(r.stderr)).toBe(true);
    } finally {
      app.remove();
    }
  });

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
