/** doctor through the real command: a healthy store, and stores that cannot work, each failing in one line. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getPostgres } from '@agent-sessions/test-services';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort, hasStackTrace, openTestStore, runCli, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('doctor', () => {
  it('checks a healthy file store step by step with latencies', async () => {
    // doctor creates nothing: the store is there already.
    mkdirSync(join(dir.dir, 'ok'));
    const r = await runCli(['doctor', '--store', `file:${join(dir.dir, 'ok')}`]);
    expect(r.code).toBe(0);
    for (const step of ['open', 'health check', 'list', 'write/read/delete'])
      expect(r.stdout).toMatch(new RegExp(`^ok {4}${step.replace('/', '\\/')}\\s+\\d+ ms`, 'm'));
    expect(r.stdout).toContain('package  @agent-sessions/store-file');
    expect(r.stdout.trimEnd().endsWith('healthy')).toBe(true);
    expect(r.stderr).toBe('');
  });

  it('--read-only skips the write round trip (sqlite)', async () => {
    await (await openTestStore(`sqlite:${join(dir.dir, 'd.db')}`)).close();
    const r = await runCli(['doctor', '--read-only'], {
      env: { SESSION_STORE_URL: `sqlite:${join(dir.dir, 'd.db')}` },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok    health check');
    expect(r.stdout).not.toContain('write/read/delete');
  });

  it.each([
    ['redis', (port: number) => `redis://127.0.0.1:${port}`],
    ['postgres', (port: number) => `postgres://user:secret-pw@127.0.0.1:${port}/db`],
  ])('an unreachable %s server: one line, exit 1, no stack trace, no password', async (_name, makeUrl) => {
    const r = await runCli(['doctor', '--store', makeUrl(await closedPort())]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^agent-sessions: doctor: (open|health check) of \w+:\/\/\S+ failed after \d+ ms: /);
    expect(lines[0]).toContain('Fix: check the host and port');
    expect(r.stdout).toMatch(/^FAIL {2}/m);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain('secret-pw');
  });

  it('a wrong user or password for postgres: one line, exit 1, what to fix', async () => {
    const url = new URL((await getPostgres()).url);
    url.username = 'agent_sessions_nobody';
    url.password = 'wrong-pw';
    const r = await runCli(['doctor', '--store', url.href]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Fix: check the user name and password in the URL');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain('wrong-pw');
  });

  it('a file store whose folder cannot exist: one line, exit 1', async () => {
    const blocker = join(dir.dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const r = await runCli(['doctor', '--store', `file:${join(blocker, 'sessions')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^agent-sessions: doctor: \S.* of file:\S+ failed after \d+ ms: /);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
