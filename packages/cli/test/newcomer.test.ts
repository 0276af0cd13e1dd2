/**
 * What a newcomer meets: short ids, shell completion, valid ids that look odd, and an unreachable Redis that says
 * where it looked.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '@agent-sessions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, openTestStore, runCli, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const url = `file:${join(dir.dir, 'sessions')}`;

beforeAll(async () => {
  const store = await openTestStore(url);
  for (const id of ['3f2a9c1e-aaaa-4bbb-8ccc-000000000001', '3f2a9c1e-aaaa-4bbb-8ccc-000000000002', '7b1d0000-1111'])
    await store.save(createSession({ id, name: `named ${id}` }));
  await store.close();
});

describe('show with a short id', () => {
  it('a unique prefix shows that session', async () => {
    const r = await runCli(['show', '7b1d', '--store', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('named 7b1d0000-1111');
  });

  it('an ambiguous prefix: exit 2 listing the matches', async () => {
    const r = await runCli(['show', '3f2a9c1e', '--store', url]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('"3f2a9c1e" is the start of 2 session ids');
    expect(r.stderr).toContain('3f2a9c1e-aaaa-4bbb-8ccc-000000000001');
    expect(r.stderr).toContain('3f2a9c1e-aaaa-4bbb-8ccc-000000000002');
  });

  it('no match is not found (exit 1); ../x is a valid id that is simply not there', async () => {
    for (const id of ['zzz', '../x']) {
      const r = await runCli(['show', id, '--store', url]);
      expect(r.code, id).toBe(1);
      expect(r.stderr).toContain(`session "${id}" not found`);
    }
  });
});

describe('completion', () => {
  it('bash: completes commands and the options of a command', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).toBe(0);
    const script = join(dir.dir, 'completion.bash');
    writeFileSync(script, r.stdout);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _agent_sessions; echo "\${COMPREPLY[@]}"`,
          script,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete(['agent-sessions', 'sh'])).toBe('show');
    expect(complete(['agent-sessions', 'ls', '--js'])).toBe('--json');
    expect(complete(['agent-sessions', 'rm', '--dr'])).toBe('--dry-run');
    expect(complete(['agent-sessions', 'completion', 'f'])).toBe('fish');
  });

  it('zsh and fish: scripts naming every command; an unknown shell is exit 2', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef agent-sessions/);
    expect(zsh.stdout).toContain(
      'commands=(ls show rm fork rewind export import migrate doctor serve completion help)',
    );
    const fish = await runCli(['completion', 'fish']);
    expect(fish.stdout).toContain('complete -c agent-sessions -n "__fish_seen_subcommand_from export" -l output');
    const bad = await runCli(['completion', 'powershell']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('completion takes one shell: bash, zsh, fish');
  });
});

describe('an unreachable Redis', () => {
  it('says which host and port and what to check', async () => {
    const port = await closedPort();
    const r = await runCli(['ls', '--store', `redis://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`the redis server at 127.0.0.1:${port}`);
    expect(r.stderr).toContain('check the host and port, that redis-server runs there');
  });
});
