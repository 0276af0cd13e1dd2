/**
 * The viewer under failure and attack, over HTTP: requests for other host names (DNS rebinding) and from other
 * sites are refused; a corrupt record, an unreachable store and a bug each give their status and a JSON error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SessionCorruptError, type SessionStore } from '@agent-sessions/core';
import { createMemoryStore } from '@agent-sessions/store-memory';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, SessionListPage } from '../src/serve/api-types.js';
import { startViewer, type Viewer } from '../src/serve/server.js';
import { closedPort, makeSession, openTestStore, tempDir } from './helpers.js';
import { rawRequest, requestJson, startTestViewer } from './viewer-helpers.js';

const dir = tempDir();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  dir.remove();
});

async function viewerOver(store: SessionStore, allowDelete = false): Promise<Viewer> {
  const viewer = await startTestViewer(store, { allowDelete });
  cleanups.push(async () => {
    await viewer.close();
    await store.close();
  });
  return viewer;
}

/** A store whose `load` fails for chosen ids, to reach the errors that a real backend rarely shows on demand. */
function failingLoads(store: SessionStore, failures: Record<string, Error>): SessionStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'load' || key === 'get')
        return async (id: string) => {
          const failure = failures[id];
          if (failure) throw failure;
          return key === 'load' ? target.load(id) : target.get(id);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('loopback only', () => {
  it('binds 127.0.0.1 and refuses a request addressed to another host name', async () => {
    const viewer = await viewerOver(createMemoryStore());
    expect(viewer.url).toBe(`http://127.0.0.1:${viewer.port}/`);
    const rebound = await rawRequest(`${viewer.url}api/info`, { headers: { Host: `evil.example:${viewer.port}` } });
    expect(rebound.status).toBe(403);
    expect((rebound.body as ApiErrorBody).error).toMatchObject({ code: 'FORBIDDEN' });
    expect((rebound.body as ApiErrorBody).error.message).toContain('evil.example');
    const otherPort = await rawRequest(`${viewer.url}api/info`, { headers: { Host: '127.0.0.1:1' } });
    expect(otherPort.status).toBe(403);
    const local = await rawRequest(`${viewer.url}api/info`, { headers: { Host: `localhost:${viewer.port}` } });
    expect(local.status).toBe(200);
  });

  it('refuses a DELETE sent by a page of another origin, even with --allow-delete', async () => {
    const store = createMemoryStore();
    await store.save(makeSession(1));
    const viewer = await viewerOver(store, true);
    const host = `127.0.0.1:${viewer.port}`;
    const foreign = await rawRequest(`${viewer.url}api/session?id=s-0001`, {
      method: 'DELETE',
      headers: { Host: host, Origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(await store.exists('s-0001')).toBe(true);
    const same = await rawRequest(`${viewer.url}api/session?id=s-0001`, {
      method: 'DELETE',
      headers: { Host: host, Origin: `http://${host}` },
    });
    expect(same).toEqual({ status: 200, body: { deleted: true, id: 's-0001' } });
    expect(await store.exists('s-0001')).toBe(false);
    const again = await requestJson<ApiErrorBody>(`${viewer.url}api/session?id=s-0001`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('SESSION_NOT_FOUND');
  });
});

describe('store failures', () => {
  it('a corrupt record: 500 SESSION_CORRUPT naming the file for the session; the list names it and lists the rest', async () => {
    const folder = join(dir.dir, 'corrupt');
    const store = await openTestStore(`file:${folder}`);
    await store.save(makeSession(1));
    writeFileSync(join(folder, 'broken.json'), '{"id": "broken", "config": {');
    const viewer = await viewerOver(store);
    const one = await requestJson<ApiErrorBody>(`${viewer.url}api/session?id=broken`);
    expect(one.status).toBe(500);
    expect(one.body.error.code).toBe('SESSION_CORRUPT');
    expect(one.body.error.message).toContain('broken.json');
    // The listing goes on around the unreadable file and names it.
    const list = await requestJson<SessionListPage>(`${viewer.url}api/sessions`);
    expect(list.status).toBe(200);
    expect(list.body.sessions.map((s) => s.id)).toEqual(['s-0001']);
    expect(list.body.unreadable).toHaveLength(1);
    expect(list.body.unreadable[0]).toMatchObject({ code: 'SESSION_CORRUPT' });
    expect(list.body.unreadable[0]?.record).toContain('broken.json');
    expect((await requestJson(`${viewer.url}api/session?id=s-0001`)).status).toBe(200);
  });

  it('a corrupt document behind a sound summary marks its row, not the page', async () => {
    const inner = createMemoryStore();
    await inner.save(makeSession(1));
    await inner.save(makeSession(2));
    const corrupt = new SessionCorruptError('row s-0002', 'bad bytes', { backend: 'memory', sessionId: 's-0002' });
    const viewer = await viewerOver(failingLoads(inner, { 's-0002': corrupt }));
    const { status, body } = await requestJson<SessionListPage>(`${viewer.url}api/sessions`);
    expect(status).toBe(200);
    expect(body.sessions.map((s) => [s.id, s.problem?.code ?? null, s.total_tokens])).toEqual([
      ['s-0002', 'SESSION_CORRUPT', null],
      ['s-0001', null, 1501],
    ]);
  });

  it('an unreachable store: 503 STORE_UNAVAILABLE on every route that reads it', async () => {
    const store = await openTestStore(`redis://127.0.0.1:${await closedPort()}?timeout=500`);
    const viewer = await viewerOver(store);
    for (const path of ['sessions', 'session?id=s-0001', 'usage?id=s-0001']) {
      const { status, body } = await requestJson<ApiErrorBody>(`${viewer.url}api/${path}`);
      expect(status, path).toBe(503);
      expect(body.error.code, path).toBe('STORE_UNAVAILABLE');
      expect(body.error.message, path).toContain('Check that the server is running');
    }
    expect((await requestJson(`${viewer.url}api/info`)).status).toBe(200);
  });

  it('an error nothing explains: 500 INTERNAL, and reported to the server', async () => {
    const inner = createMemoryStore();
    const reported: unknown[] = [];
    const viewer = await startViewer({
      store: failingLoads(inner, { boom: new TypeError('driver exploded') }),
      host: '127.0.0.1',
      port: 0,
      allowDelete: false,
      storeLabel: 'memory:',
      version: '0',
      onUnexpectedError: (error) => reported.push(error),
    });
    cleanups.push(() => viewer.close());
    const { status, body } = await requestJson<ApiErrorBody>(`${viewer.url}api/session?id=boom`);
    expect(status).toBe(500);
    expect(body.error).toEqual({ code: 'INTERNAL', message: 'Unexpected error in the viewer: driver exploded' });
    expect(reported).toEqual([expect.any(TypeError)]);
  });
});
