/** show --last, fork and rewind (issue 18) through the real command, and rewind's question on a terminal. */
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { SessionStore } from '@agent-sessions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli.js';
import { makeSession, openTestStore, PKG_DIR, runCli, tempDir, turn } from './helpers.js';

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
    await store.save({ ...makeSession(1), messages: [...turn(1), ...turn(2), ...turn(3)] });
  });
  afterAll(() => store.close());

  it('show --last N prints only the last messages; with --json the slice', async () => {
    const json = await cli('show', 's-0001', '--last', '2', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(await store.loadMessages('s-0001', { last: 2 }));
    const text = await cli('show', 's-0001', '--last', '1');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('(messages 12 to 12 of 12)');
    expect(text.stdout).not.toContain('Question 3');
    expect((await cli('show', 's-0001', '--last', '-1')).code).toBe(2);
    expect((await cli('show', 'nobody', '--last', '1')).code).toBe(1);
  });

  it('fork copies the session up to --at, as a child of the source', async () => {
    const r = await cli('fork', 's-0001', 's-fork', '--at', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('forked s-0001 into s-fork: 2 messages');
    const forked = await store.load('s-fork');
    expect(forked?.parent_id).toBe('s-0001');
    expect(forked?.messages).toEqual((await store.load('s-0001'))?.messages.slice(0, 2));
    const again = await cli('fork', 's-0001', 's-fork');
    expect(again.code).toBe(1);
    expect((await store.loadMessages('s-fork')).total).toBe(2);
    expect((await cli('fork', 's-0001')).code).toBe(2);
  });

  it('rewind needs --yes off a terminal, refuses a --keep beyond the history, and keeps the first N', async () => {
    await store.forkSession('s-0001', 's-rewind');
    const before = await store.get('s-rewind');
    const unconfirmed = await cli('rewind', 's-rewind', '--keep', '2');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await cli('rewind', 's-rewind', '--keep', '13', '--yes')).code).toBe(2);
    expect((await cli('rewind', 's-rewind', '--yes')).code).toBe(2);
    expect(await store.get('s-rewind')).toEqual(before);
    const done = await cli('rewind', 's-rewind', '--keep', '2', '--yes');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('removed 10 messages, kept 2');
    expect((await store.load('s-rewind'))?.messages).toEqual(before?.session.messages.slice(0, 2));
  });
});

describe('rewind on a terminal', () => {
  const url = `sqlite:${join(dir.dir, 'tty.db')}`;

  /** Runs the command in this process with a terminal stdin that answers `answer`. */
  async function onTerminal(argv: string[], answer: string) {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _encoding, done) {
          append(String(chunk));
          if (String(chunk).includes('[y/N]')) stdin.end(`${answer}\n`);
          done();
        },
      });
    const code = await run(argv, {
      stdin,
      stdout: sink(() => {}),
      stderr: sink((s) => {
        stderr += s;
      }),
      env: { AGENT_SESSIONS_PROGRESS: 'off' },
      cwd: PKG_DIR,
    });
    return { code, stderr };
  }

  it('asks, and only "y" removes the messages', async () => {
    const store = await openTestStore(url);
    await store.save({ ...makeSession(7), messages: [...turn(1), ...turn(2)] });
    const no = await onTerminal(['rewind', 's-0007', '--keep', '1', '--store', url], 'n');
    expect(no.stderr).toContain('Remove the last 7 of the 8 messages of "s-0007"? [y/N]');
    expect(no.code).toBe(1);
    expect((await store.loadMessages('s-0007')).total).toBe(8);
    const yes = await onTerminal(['rewind', 's-0007', '--keep', '1', '--store', url], 'y');
    expect(yes.code).toBe(0);
    expect((await store.loadMessages('s-0007')).total).toBe(1);
    await store.close();
  });
});
