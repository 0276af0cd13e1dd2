/** ls, show and rm through the real command, against the file and SQLite stores. */
import { join } from 'node:path';
import type { SessionStore } from '@agent-sessions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSession, openTestStore, runCli, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe.each([
  ['file', `file:${join(dir.dir, 'sessions')}`],
  ['sqlite', `sqlite:${join(dir.dir, 'sessions.db')}`],
])('%s store', (_name, url) => {
  let store: SessionStore;
  const cli = (...args: string[]) => runCli(args, { env: { SESSION_STORE_URL: url } });

  beforeAll(async () => {
    store = await openTestStore(url);
    await store.save(makeSession(1));
    await store.save(makeSession(2, { parent_id: 's-0001' }));
    await store.save(makeSession(3));
    await store.save(makeSession(4));
  });
  afterAll(() => store.close());

  it('ls prints a table, newest first', async () => {
    const r = await cli('ls');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATE\s+MSGS\s+REV\s+UPDATED \(UTC\)\s+PARENT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['s-0004', 's-0003', 's-0002', 's-0001']);
    expect(lines[1]).toContain('Session 4');
    expect(lines[1]).toContain('Active');
    expect(lines[3]).toMatch(/s-0001$/);
  });

  it('ls --limit, --parent and --json', async () => {
    const limited = await cli('ls', '--limit', '2');
    expect(limited.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(limited.stderr).toContain('more exist');
    const children = await cli('ls', '--parent', 's-0001', '--json');
    expect(children.code).toBe(0);
    expect(JSON.parse(children.stdout)).toEqual((await store.listSessions({ parentId: 's-0001' })).sessions);
    const all = JSON.parse((await cli('ls', '--json', '--limit', '3')).stdout);
    expect(all).toEqual((await store.listSessions({ limit: 3 })).sessions);
  });

  it('export --parent writes only the children', async () => {
    const r = await cli('export', '--parent', 's-0001');
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([await store.load('s-0002')]);
  });

  it('show prints the conversation with tool calls and cost', async () => {
    const r = await cli('show', 's-0003');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[1] user');
    expect(r.stdout).toContain('→ tool call read_file');
    expect(r.stdout).toContain('→ tool call bash');
    expect(r.stdout).toContain('← tool result read_file');
    expect(r.stdout).toContain('cost: $0.0123 total');
    expect(r.stdout).toContain('ünïcødé ✓');
  });

  it('show --json prints the stored document', async () => {
    const r = await cli('show', 's-0002', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(await store.load('s-0002'));
  });

  it('show of a missing id: exit 1, one line', async () => {
    const r = await cli('show', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'agent-sessions: session "nope" not found in this store (agent-sessions ls lists the ids).',
    ]);
  });

  it('rm removes sessions; a missing id is an error unless --force', async () => {
    await store.save(makeSession(90));
    await store.save(makeSession(91));
    const r = await cli('rm', 's-0090', 's-0091', 'ghost');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('removed s-0090\nremoved s-0091\n');
    expect(r.stderr).toContain('"ghost" not found');
    expect(await store.exists('s-0090')).toBe(false);
    expect(await store.exists('s-0091')).toBe(false);
    expect(await store.exists('s-0001')).toBe(true);
    const forced = await cli('rm', '--force', 'ghost');
    expect(forced.code).toBe(0);
  });
});

describe('default store', () => {
  it('is the file store in ./.sessions of the working directory', async () => {
    const app = tempDir();
    try {
      const store = await openTestStore(`file:${join(app.dir, '.sessions')}`);
      await store.save(makeSession(7));
      await store.close();
      // cwd is the app folder; adapters still resolve from beside the CLI.
      const r = await runCli(['ls', '--json'], { cwd: app.dir });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).map((s: { id: string }) => s.id)).toEqual(['s-0007']);
    } finally {
      app.remove();
    }
  });
});
