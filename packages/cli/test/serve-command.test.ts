/** `agent-sessions serve` as a user starts it: the URL it prints, its defaults, its warnings and refusals. */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, SessionListPage, ViewerInfo } from '../src/serve/api-types.js';
import { makeSession, openTestStore, runCli, tempDir } from './helpers.js';
import { rawRequest, requestJson, startServe } from './viewer-helpers.js';

const dir = tempDir();
const storeUrl = `file:${join(dir.dir, 'sessions')}`;

beforeAll(async () => {
  const store = await openTestStore(storeUrl);
  await store.save(makeSession(1));
  await store.save(makeSession(2));
  await store.close();
});
afterAll(() => dir.remove());

describe('serve', () => {
  it('prints the URL on loopback, serves the store read-only, and stops cleanly on SIGTERM', async () => {
    const serve = await startServe(['-s', storeUrl, '--port', '0']);
    let stopped = false;
    try {
      expect(serve.stdout()).toMatch(
        new RegExp(`^Viewing ${storeUrl} at http://127\\.0\\.0\\.1:\\d+/ \\(read-only; Ctrl-C stops\\)\\n$`),
      );
      expect(serve.stderr()).toBe('');
      const info = await requestJson<ViewerInfo>(`${serve.url}api/info`);
      expect(info.body).toMatchObject({ backend: 'file', store: storeUrl, allowDelete: false });
      const list = await requestJson<SessionListPage>(`${serve.url}api/sessions`);
      expect(list.body.sessions.map((s) => s.id)).toEqual(['s-0002', 's-0001']);
      const refused = await requestJson<ApiErrorBody>(`${serve.url}api/session?id=s-0001`, { method: 'DELETE' });
      expect(refused.status).toBe(403);
      const page = await fetch(serve.url);
      expect(await page.text()).toContain('<script type="module" src="/js/main.js"></script>');
      const rebound = await rawRequest(`${serve.url}api/info`, { headers: { Host: 'attacker.example' } });
      expect(rebound.status).toBe(403);
      stopped = true;
      expect(await serve.stop()).toBe(0);
    } finally {
      if (!stopped) await serve.stop();
    }
  });

  it('--allow-delete enables DELETE', async () => {
    const store = await openTestStore(storeUrl);
    await store.save(makeSession(9));
    await store.close();
    const serve = await startServe(['-s', storeUrl, '--port', '0', '--allow-delete']);
    try {
      expect(serve.stdout()).toContain('(deletes allowed; Ctrl-C stops)');
      const deleted = await requestJson(`${serve.url}api/session?id=s-0009`, { method: 'DELETE' });
      expect(deleted).toMatchObject({ status: 200, body: { deleted: true, id: 's-0009' } });
      const again = await requestJson(`${serve.url}api/session?id=s-0009`);
      expect(again.status).toBe(404);
    } finally {
      await serve.stop();
    }
  });

  it('an explicit non-loopback --host is used, with a warning, and answers any host name', async () => {
    const serve = await startServe(['-s', storeUrl, '--port', '0', '--host', '0.0.0.0']);
    try {
      expect(await serve.stderrMatching(/warning/)).toMatch(
        /^agent-sessions: warning: listening on 0\.0\.0\.0: anyone who can reach this address can read every session\n$/,
      );
      const port = new URL(serve.url).port;
      const other = await rawRequest(`http://127.0.0.1:${port}/api/info`, {
        headers: { Host: `my-laptop.lan:${port}` },
      });
      expect(other.status).toBe(200);
    } finally {
      await serve.stop();
    }
  });

  it('a port in use: exit 1 and one line that says what to do', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const r = await runCli(['serve', '-s', storeUrl, '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`agent-sessions: port ${port} on 127.0.0.1 is in use; choose another with --port\n`);
      expect(r.stdout).toBe('');
    } finally {
      busy.close();
    }
  });

  it('bad options are usage errors (exit 2)', async () => {
    for (const args of [['--port', '70000'], ['--port', 'x'], ['--host', ''], ['extra']]) {
      const r = await runCli(['serve', '-s', storeUrl, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^agent-sessions: .*Run "agent-sessions --help" for usage\.\n$/);
    }
  });

  it('an unreachable store still serves the page, with a warning', async () => {
    const serve = await startServe(['-s', 'redis://127.0.0.1:1?timeout=300', '--port', '0']);
    try {
      expect(await serve.stderrMatching(/warning/)).toMatch(
        /^agent-sessions: warning: .*Check that the server is running/,
      );
      const list = await requestJson<ApiErrorBody>(`${serve.url}api/sessions`);
      expect(list.status).toBe(503);
    } finally {
      await serve.stop();
    }
  });

  it('is in the help', async () => {
    const r = await runCli(['help', 'serve']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^agent-sessions serve \[--port 4680\] \[--host 127\.0\.0\.1\] \[--allow-delete\]/);
    expect((await runCli(['--help'])).stdout).toMatch(/\n {2}serve {5}look at the sessions in a browser\n/);
  });
});
