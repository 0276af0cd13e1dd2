/** The viewer's JSON API over HTTP: shapes, paging, filters, status codes and the headers every answer carries. */
import { createMemoryStore } from '@agent-sessions/store-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, SessionListPage, SessionUsage, SessionView, ViewerInfo } from '../src/serve/api-types.js';
import { loadAssets, pageWeight } from '../src/serve/assets.js';
import type { Viewer } from '../src/serve/server.js';
import { seed } from './helpers.js';
import { CHILD_IDS, childSessions, RICH_ID, RICH_MESSAGES, RICH_TURNS, richSession } from './viewer-fixtures.js';
import { requestJson, startTestViewer } from './viewer-helpers.js';

const store = createMemoryStore();
let viewer: Viewer;
const api = (path: string) => `${viewer.url}api/${path}`;

beforeAll(async () => {
  await seed(store, 120);
  await store.save(richSession());
  for (const child of childSessions()) await store.save(child);
  viewer = await startTestViewer(store);
});
afterAll(async () => {
  await viewer.close();
  await store.close();
});

/** The ids of every page of `/api/sessions?<query>`, following nextCursor to the end. */
async function allPages(query: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor = '';
  for (;;) {
    const { body } = await requestJson<SessionListPage>(api(`sessions?${query}&cursor=${encodeURIComponent(cursor)}`));
    pages.push(body.sessions.map((s) => s.id));
    if (body.nextCursor === null) return pages;
    cursor = body.nextCursor;
  }
}

describe('GET /api/sessions', () => {
  it('pages through every session with the store cursor, newest first, with tokens and cost', async () => {
    const pages = await allPages('limit=50');
    expect(pages.map((p) => p.length)).toEqual([50, 50, 24]);
    const all = (await store.listSessions({ limit: 1000 })).sessions.map((s) => s.id);
    expect(pages.flat()).toEqual(all);
    expect(all[0]).toBe(RICH_ID);
    const first = (await requestJson<SessionListPage>(api('sessions?limit=2'))).body.sessions[0];
    expect(first).toMatchObject({ id: RICH_ID, state: 'Active', message_count: RICH_MESSAGES, problem: null });
    expect(first?.total_tokens).toBe(richSession().total_usage.total_tokens);
    expect(first?.total_cost).toBeCloseTo(richSession().total_cost, 10);
  });

  it('filters by name (or id) across store pages, with a cursor that resumes exactly', async () => {
    // "Session 11" matches 11 and 110 to 119: 11 sessions, spread over several store pages of 4.
    const pages = await allPages(`limit=4&name=${encodeURIComponent('session 11')}`);
    expect(pages.every((p) => p.length <= 4)).toBe(true);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.flat()).toEqual([
      ...['s-0119', 's-0118', 's-0117', 's-0116', 's-0115', 's-0114', 's-0113', 's-0112', 's-0111', 's-0110'],
      's-0011',
    ]);
    const byId = await requestJson<SessionListPage>(api('sessions?name=S-0042'));
    expect(byId.body.sessions.map((s) => s.id)).toEqual(['s-0042']);
  });

  it('filters by parent', async () => {
    const { status, body } = await requestJson<SessionListPage>(api(`sessions?parent=${RICH_ID}`));
    expect(status).toBe(200);
    expect(body.sessions.map((s) => s.id).sort()).toEqual([...CHILD_IDS].sort());
    expect(body.nextCursor).toBeNull();
  });

  it('refuses a bad limit or cursor with 400 and a JSON error', async () => {
    for (const query of ['limit=0', 'limit=abc', 'limit=201', 'cursor=not-a-cursor']) {
      const { status, body } = await requestJson<ApiErrorBody>(api(`sessions?${query}`));
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toMatch(/^Invalid (limit|cursor)/);
    }
  });
});

describe('GET /api/session', () => {
  it('gives the header and the latest messages first', async () => {
    const { status, body } = await requestJson<SessionView>(api(`session?id=${RICH_ID}`));
    expect(status).toBe(200);
    expect(body.session).toMatchObject({ id: RICH_ID, name: 'Session 10000', revision: 1, parent_id: null });
    expect(body.session.tasks).toHaveLength(2);
    expect(body.messages).toMatchObject({ start: RICH_MESSAGES - 50, end: RICH_MESSAGES, total: RICH_MESSAGES });
    expect(body.messages.items.map((m) => m.index)).toEqual(
      Array.from({ length: 50 }, (_, k) => RICH_MESSAGES - 50 + k),
    );
    expect(body.messages.items.at(-1)?.content).toEqual(richSession().messages.at(-1)?.content);
  });

  it('pages back with before and limit, down to the first message', async () => {
    const { body } = await requestJson<SessionView>(api(`session?id=${RICH_ID}&before=30&limit=20`));
    expect(body.messages).toMatchObject({ start: 10, end: 30, total: RICH_MESSAGES });
    expect(body.messages.items[0]).toEqual({ ...richSession().messages[10], index: 10 });
    const head = await requestJson<SessionView>(api(`session?id=${RICH_ID}&before=5&limit=20`));
    expect(head.body.messages).toMatchObject({ start: 0, end: 5 });
    const beyond = await requestJson<SessionView>(api(`session?id=${RICH_ID}&before=99999&limit=3`));
    expect(beyond.body.messages).toMatchObject({ start: RICH_MESSAGES - 3, end: RICH_MESSAGES });
  });

  it('an id with slashes, dots and markup round-trips through the query parameter', async () => {
    const id = '../a/b?c#d <x>';
    await store.save({ ...richSession(), id, messages: [] });
    const { status, body } = await requestJson<SessionView>(api(`session?id=${encodeURIComponent(id)}`));
    expect(status).toBe(200);
    expect(body.session.id).toBe(id);
    await store.delete(id);
  });

  it('a missing session is 404, a missing id or a bad limit 400, each with {error: {code, message}}', async () => {
    const missing = await requestJson<ApiErrorBody>(api('session?id=nope'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: 'Session "nope" is not in this store (it may have been deleted).' },
    });
    expect((await requestJson<ApiErrorBody>(api('session'))).status).toBe(400);
    expect((await requestJson<ApiErrorBody>(api(`session?id=${RICH_ID}&limit=501`))).status).toBe(400);
    expect((await requestJson<ApiErrorBody>(api(`session?id=${RICH_ID}&before=-1`))).status).toBe(400);
  });
});

describe('GET /api/usage', () => {
  it('one point per turn, from the cost records paired with the assistant messages', async () => {
    const { status, body } = await requestJson<SessionUsage>(api(`usage?id=${RICH_ID}`));
    expect(status).toBe(200);
    expect(body.basis).toBe('turns');
    expect(body.records).toBe(RICH_TURNS * 2);
    expect(body.points).toHaveLength(RICH_TURNS);
    expect(body.points[0]).toMatchObject({
      label: 'Turn 1',
      message_index: 0,
      calls: 2,
      prompt_tokens: 1010 + 1011,
      completion_tokens: 201,
    });
    expect(body.points[1]?.message_index).toBe(4);
    expect(body.points.at(-1)?.cumulative_cost).toBeCloseTo(richSession().total_cost, 10);
    expect(body.models).toEqual([
      expect.objectContaining({ model: 'claude-test', calls: RICH_TURNS * 2, unpriced_calls: 0 }),
    ]);
  });

  it('one point per call when records and assistant messages do not pair', async () => {
    // makeSession: two assistant messages and one record.
    const { body } = await requestJson<SessionUsage>(api('usage?id=s-0007'));
    expect(body.basis).toBe('calls');
    expect(body.points.map((p) => p.label)).toEqual(['Call 1']);
    expect(body.points[0]?.message_index).toBeNull();
  });

  it('404 for a missing session', async () => {
    expect((await requestJson<ApiErrorBody>(api('usage?id=nope'))).status).toBe(404);
  });
});

describe('read-only by default', () => {
  it('DELETE is 403 READ_ONLY and the session stays', async () => {
    const { status, body } = await requestJson<ApiErrorBody>(api('session?id=s-0001'), { method: 'DELETE' });
    expect(status).toBe(403);
    expect(body.error.code).toBe('READ_ONLY');
    expect(body.error.message).toContain('--allow-delete');
    expect(await store.exists('s-0001')).toBe(true);
  });

  it('no other write exists: POST and PUT are 405 with Allow', async () => {
    for (const method of ['POST', 'PUT']) {
      const { status, headers, body } = await requestJson<ApiErrorBody>(api('session?id=s-0001'), { method });
      expect(status).toBe(405);
      expect(headers.get('allow')).toBe('GET, DELETE');
      expect(body.error.code).toBe('METHOD_NOT_ALLOWED');
    }
  });
});

describe('every answer', () => {
  it('carries the CSP and nosniff headers, and the right content type', async () => {
    const cases: [string, RegExp][] = [
      ['', /^text\/html/],
      ['viewer.css', /^text\/css/],
      ['js/main.js', /^text\/javascript/],
      ['api/info', /^application\/json/],
      ['api/session?id=nope', /^application\/json/],
      ['api/nothing-here', /^application\/json/],
      ['no-such-file.js', /^text\/plain/],
    ];
    for (const [path, type] of cases) {
      const response = await fetch(`${viewer.url}${path}`);
      await response.arrayBuffer();
      expect(response.headers.get('content-type'), path).toMatch(type);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain('img-src data:');
      expect(csp, path).not.toContain('unsafe-inline');
    }
  });

  it('JSON never holds a raw "<" (it could not become markup even if opened as a page)', async () => {
    await store.save({
      ...richSession(),
      id: 'lt',
      messages: [{ role: 'user', content: [{ type: 'text', text: '</script><b>' }] }],
    });
    const response = await fetch(`${viewer.url}api/session?id=lt`);
    const text = await response.text();
    expect(text).not.toContain('<');
    expect((JSON.parse(text) as SessionView).messages.items[0]?.content).toEqual([
      { type: 'text', text: '</script><b>' },
    ]);
    await store.delete('lt');
  });

  it('the page is small and made only of files from this server', async () => {
    const assets = loadAssets();
    expect(pageWeight(assets)).toBeLessThan(64 * 1024);
    const html = await (await fetch(viewer.url)).text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs).toEqual(['data:,', '/viewer.css', '/js/main.js', '#/']);
    // Every script the entry imports is served.
    for (const name of [...assets.keys()].filter((k) => k.startsWith('/js/'))) {
      const response = await fetch(`${viewer.url}${name.slice(1)}`);
      expect(response.status, name).toBe(200);
      for (const [, imported] of (await response.text()).matchAll(/from '\.\/([\w-]+\.js)'/g))
        expect(assets.has(`/js/${imported}`), `${name} imports ${imported}`).toBe(true);
    }
  });

  it('unknown API routes are 404 JSON; /api/info describes the viewer', async () => {
    const unknown = await requestJson<ApiErrorBody>(`${viewer.url}api/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const info = await requestJson<ViewerInfo>(`${viewer.url}api/info`);
    expect(info.body).toEqual({ backend: 'memory', store: 'memory:test', allowDelete: false, version: '0.0.0-test' });
  });
});
