/**
 * The viewer in a real browser (Chromium through playwright-core): the list of 125 sessions paged with the cursor,
 * a session with tool calls, reasoning, an image and a long output, its usage chart, tasks and children, a hostile
 * session whose markup must show as text and never run, error pages, and a delete. Screenshots are kept in
 * test/output/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionStore } from '@agent-sessions/core';
import { createMemoryStore } from '@agent-sessions/store-memory';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/serve/server.js';
import { type Browser, launchChromium, navigate, open, type WatchedPage, watchedPage } from './browser.js';
import { closedPort, makeSession, openTestStore, PKG_DIR, seed, tempDir } from './helpers.js';
import {
  CHILD_IDS,
  childSessions,
  HOSTILE_ID,
  HOSTILE_NAME,
  hostileSession,
  LONG_OUTPUT,
  PAYLOADS,
  RICH_ID,
  RICH_MESSAGES,
  RICH_TURNS,
  richSession,
} from './viewer-fixtures.js';
import { startTestViewer } from './viewer-helpers.js';

const OUTPUT_DIR = join(PKG_DIR, 'test', 'output');
const TOTAL_SESSIONS = 120 + 1 + CHILD_IDS.length + 1;

let browser: Browser;
let store: SessionStore;
let viewer: Viewer;

beforeAll(async () => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  store = createMemoryStore();
  await seed(store, 120);
  await store.save(richSession());
  for (const child of childSessions()) await store.save(child);
  await store.save(hostileSession());
  viewer = await startTestViewer(store);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  await store?.close();
});

const rowIds = (page: Page) =>
  page.locator('table.sessions tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));

/** Nothing a payload would do happened, and the page kept its own policy. */
async function expectNothingRan(w: WatchedPage): Promise<void> {
  expect(await w.pwned()).toBeUndefined();
  expect(w.dialogs).toEqual([]);
  expect(w.errors).toEqual([]);
  expect(await w.violations()).toEqual([]);
}

describe('the session list', () => {
  it('pages through every session with the cursor, newest first, and back', async () => {
    const w = await watchedPage(browser.context);
    await open(w.page, viewer.url);
    const pages: (string | null)[][] = [await rowIds(w.page)];
    await expect(w.page.locator('.pager .position').textContent()).resolves.toBe('Sessions 1–50');
    while ((await w.page.locator('a.older').count()) > 0) {
      await navigate(w.page, () => w.page.locator('a.older').click());
      pages.push(await rowIds(w.page));
    }
    expect(pages.map((p) => p.length)).toEqual([50, 50, TOTAL_SESSIONS - 100]);
    const expected = (await store.listSessions({ limit: 1000 })).sessions.map((s) => s.id);
    expect(pages.flat()).toEqual(expected);
    await expect(w.page.locator('.pager .position').textContent()).resolves.toBe(`Sessions 101–${TOTAL_SESSIONS}`);
    await navigate(w.page, () => w.page.locator('a.newer').click());
    expect(await rowIds(w.page)).toEqual(pages[1]);
    const first = w.page.locator('table.sessions tbody tr').first();
    await navigate(w.page, () => w.page.locator('a.newer').click());
    expect(await rowIds(w.page)).toEqual(pages[0]);
    // State, messages, tokens, cost and updated time of the newest row.
    await expect(first.textContent()).resolves.toMatch(
      new RegExp(`Session 10000[\\s\\S]*Active[\\s\\S]*${RICH_MESSAGES}[\\s\\S]*\\$0\\.0900[\\s\\S]*UTC`),
    );
    await expectNothingRan(w);
    await w.page.close();
  });

  it('filters by name and by parent', async () => {
    const w = await watchedPage(browser.context);
    await open(w.page, viewer.url);
    await w.page.locator('input[name=name]').fill('Session 11');
    await navigate(w.page, () => w.page.locator('input[name=name]').press('Enter'));
    expect(await rowIds(w.page)).toEqual([
      's-0119',
      's-0118',
      's-0117',
      's-0116',
      's-0115',
      's-0114',
      's-0113',
      's-0112',
      's-0111',
      's-0110',
      's-0011',
    ]);
    await w.page.locator('input[name=name]').fill('');
    await w.page.locator('input[name=parent]').fill(RICH_ID);
    await navigate(w.page, () => w.page.locator('button[type=submit]').click());
    expect((await rowIds(w.page)).sort()).toEqual([...CHILD_IDS].sort());
    await expect(w.page.locator('h1').textContent()).resolves.toBe(`Children of ${RICH_ID}`);
    await w.page.close();
  });
});

describe('one session', () => {
  it('shows the latest messages first, tool calls collapsed until opened, reasoning collapsed, the image, a cut long output', async () => {
    const w = await watchedPage(browser.context);
    await open(w.page, viewer.url);
    await navigate(w.page, () => w.page.locator(`tr[data-id="${RICH_ID}"] a`).first().click());
    const page = w.page;
    await expect(page.locator('h1').textContent()).resolves.toBe('Session 10000');
    expect(await page.locator('.message').count()).toBe(50);
    await expect(page.locator('.message').last().getAttribute('data-index')).resolves.toBe(String(RICH_MESSAGES - 1));
    // Read-only viewer: no delete control.
    expect(await page.locator('.delete').count()).toBe(0);

    const toolUses = page.locator('details.tool-use');
    const expectedCalls = richSession()
      .messages.slice(RICH_MESSAGES - 50)
      .flatMap((m) => m.content)
      .filter((b) => b.type === 'tool_use').length;
    expect(await toolUses.count()).toBe(expectedCalls);
    expect(await page.locator('details[open]').count()).toBe(0);
    const call = toolUses.last();
    await expect(call.locator('.text').isVisible()).resolves.toBe(false);
    await call.locator('summary').click();
    await expect(call.getAttribute('open')).resolves.toBe('');
    await expect(call.locator('.text').textContent()).resolves.toContain(`"command": "ls dir-${RICH_TURNS}"`);
    await expect(page.locator('details.reasoning').last().locator('summary').textContent()).resolves.toMatch(
      /^Thinking \(\d+ characters\)$/,
    );

    await page.screenshot({ path: join(OUTPUT_DIR, 'viewer-session.png'), fullPage: false });

    const result = page.locator('details.tool-result').last();
    await result.locator('summary').click();
    await expect(result.locator('summary').textContent()).resolves.toBe(`Tool result bash call_${RICH_TURNS}`);
    const image = result.locator('img.image');
    await expect(image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).resolves.toBe(1);
    const long = result.locator('.long .text');
    expect((await long.textContent())?.length).toBeLessThan(LONG_OUTPUT.length);
    await result.locator('button.show-all').click();
    await expect(long.textContent()).resolves.toBe(LONG_OUTPUT);

    await page.locator('button.load-earlier').click();
    await page.waitForFunction(() => document.querySelectorAll('.message').length === 100);
    await page.locator('button.load-earlier').click();
    await page.waitForFunction((n) => document.querySelectorAll('.message').length === n, RICH_MESSAGES);
    await expect(page.locator('.message').first().getAttribute('data-index')).resolves.toBe('0');
    await expect(page.locator('.earlier').textContent()).resolves.toBe('Start of the conversation.');
    await expectNothingRan(w);
    await page.close();
  });

  it('draws the usage chart: a bar and a cost point per turn', async () => {
    const w = await watchedPage(browser.context);
    await open(w.page, `${viewer.url}#/session?id=${RICH_ID}`);
    await navigate(w.page, () => w.page.locator('a.tab', { hasText: 'Usage' }).click());
    const chart = w.page.locator('svg.usage-chart');
    await chart.waitFor();
    expect(await chart.locator('g.bar').count()).toBe(RICH_TURNS);
    expect(await chart.locator('circle.cost-point').count()).toBe(RICH_TURNS);
    const line = await chart.locator('polyline.cost-line').getAttribute('points');
    expect(line?.trim().split(/\s+/)).toHaveLength(RICH_TURNS);
    // Bars are drawn with a height; the cumulative cost only rises (SVG y grows downwards).
    const heights = await chart
      .locator('g.bar rect.prompt')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('height'))));
    expect(heights.every((h) => h > 0)).toBe(true);
    const ys = await chart
      .locator('circle.cost-point')
      .evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
    expect(ys.every((y, i) => i === 0 || y < (ys[i - 1] as number))).toBe(true);
    await expect(chart.locator('g.bar title').first().textContent()).resolves.toMatch(/^Turn 1: 2,222 tokens/);
    await expect(w.page.locator('figcaption').textContent()).resolves.toContain(
      `${RICH_TURNS} turns from 60 cost records`,
    );
    const shot = join(OUTPUT_DIR, 'viewer-usage.png');
    await w.page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString('latin1')).toBe('PNG');
    await expectNothingRan(w);
    await w.page.close();
  });

  it('lists its tasks and its children', async () => {
    const w = await watchedPage(browser.context);
    await open(w.page, `${viewer.url}#/session?id=${RICH_ID}&tab=tasks`);
    const tasks = await w.page.locator('table.tasks tbody tr').allTextContents();
    expect(tasks).toHaveLength(2);
    expect(tasks[0]).toMatch(/^completedhighList every folder/);
    expect(tasks[1]).toMatch(/^in progressmediumSummarise the files[\s\S]*t1$/);
    await navigate(w.page, () => w.page.locator('a.tab', { hasText: 'Children' }).click());
    await w.page.locator('table.sessions').waitFor();
    expect((await rowIds(w.page)).sort()).toEqual([...CHILD_IDS].sort());
    await navigate(w.page, () => w.page.locator(`tr[data-id="${CHILD_IDS[0]}"] a`).first().click());
    await expect(w.page.locator('.facts-grid').textContent()).resolves.toContain(`Parent${RICH_ID}`);
    await w.page.close();
  });
});

describe('untrusted content', () => {
  it('shows markup and javascript: links from a session as text and runs none of it', async () => {
    const w = await watchedPage(browser.context);
    await open(w.page, viewer.url);
    const row = w.page.locator('table.sessions tbody tr', { has: w.page.locator('a', { hasText: HOSTILE_NAME }) });
    await expect(row.getAttribute('data-id')).resolves.toBe(HOSTILE_ID);
    await navigate(w.page, () => row.locator('a').first().click());
    const page = w.page;
    // Open everything, reveal every cut text, and hover every element: a handler would fire now.
    await page.evaluate(() => {
      for (const d of document.querySelectorAll('details')) d.open = true;
    });
    for (const button of await page.locator('button.show-all').all()) await button.click();
    for (const element of await page.locator('.message *').all())
      await element.hover({ force: true, timeout: 2000 }).catch(() => {});
    const text = await page.locator('#app').textContent();
    for (const payload of PAYLOADS) expect(text, payload).toContain(payload);
    expect(text).toContain(HOSTILE_NAME);
    // textContent: the role is shown capitalized by CSS.
    await expect(page.locator('.message .role').nth(1).textContent()).resolves.toBe(hostileSession().messages[1]?.role);
    expect(text).toContain('[image of type "image/svg+xml" not shown');
    expect(text).toContain('[image of type "text/html" not shown');
    // No element, attribute or link came from the session.
    const dom = await page.evaluate(() => ({
      scripts: document.scripts.length,
      images: document.images.length,
      frames: document.querySelectorAll('iframe, object, embed, style, svg').length,
      handlers: [...document.querySelectorAll('*')].flatMap((e) =>
        [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name),
      ),
      foreignLinks: [...document.querySelectorAll('a')]
        .map((a) => a.getAttribute('href'))
        .filter((h) => !h?.startsWith('#')),
    }));
    expect(dom).toEqual({ scripts: 1, images: 0, frames: 0, handlers: [], foreignLinks: [] });
    for (const tab of ['Usage', 'Tasks']) {
      await navigate(page, () => page.locator('a.tab', { hasText: tab }).click());
      await page.locator('.tab-body table').first().waitFor();
    }
    await expect(page.locator('#app').textContent()).resolves.toContain(PAYLOADS[1]);
    await expectNothingRan(w);
    await page.close();
  });
});

describe('errors show in the page', () => {
  it('a missing session, an unknown page', async () => {
    const w = await watchedPage(browser.context);
    await open(w.page, `${viewer.url}#/session?id=nope`);
    const problem = w.page.locator('.problem');
    await expect(problem.getAttribute('data-code')).resolves.toBe('SESSION_NOT_FOUND');
    await expect(problem.textContent()).resolves.toMatch(/Session not found[\s\S]*"nope"[\s\S]*HTTP 404/);
    await open(w.page, `${viewer.url}#/elsewhere`);
    await expect(w.page.locator('.problem h2').textContent()).resolves.toBe('Something went wrong');
    await expect(w.page.locator('.problem').textContent()).resolves.toContain('no page "#/elsewhere"');
    await w.page.close();
  });
});

describe('store failures show in the page, never a blank one', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  /** A viewer over `url` for one test, with a page on it. */
  async function pageOver(url: string, path: string, allowDelete = false) {
    const other = await openTestStore(url);
    const otherViewer = await startTestViewer(other, { allowDelete });
    const w = await watchedPage(browser.context);
    await open(w.page, `${otherViewer.url}${path}`);
    return {
      w,
      store: other,
      viewer: otherViewer,
      close: async () => {
        await w.page.close();
        await otherViewer.close();
        await other.close();
      },
    };
  }

  it('an unreachable store', async () => {
    const t = await pageOver(`redis://127.0.0.1:${await closedPort()}?timeout=500`, '');
    const problem = t.w.page.locator('.problem');
    await expect(problem.getAttribute('data-code')).resolves.toBe('STORE_UNAVAILABLE');
    await expect(problem.textContent()).resolves.toMatch(
      /The store is unreachable[\s\S]*Check that the server is running[\s\S]*HTTP 503/,
    );
    await open(t.w.page, `${t.viewer.url}#/session?id=s-0001`);
    await expect(problem.getAttribute('data-code')).resolves.toBe('STORE_UNAVAILABLE');
    await t.w.page.screenshot({ path: join(OUTPUT_DIR, 'viewer-unreachable.png') });
    await t.close();
  });

  it('a corrupt record', async () => {
    const folder = join(dir.dir, 'corrupt');
    const fileStore = await openTestStore(`file:${folder}`);
    await fileStore.save(makeSession(1));
    await fileStore.close();
    writeFileSync(join(folder, 'broken.json'), '{"id": "broken", "config": {');
    const t = await pageOver(`file:${folder}`, '#/session?id=broken');
    const problem = t.w.page.locator('.problem');
    await expect(problem.getAttribute('data-code')).resolves.toBe('SESSION_CORRUPT');
    await expect(problem.textContent()).resolves.toMatch(
      /A stored session is corrupt[\s\S]*broken\.json[\s\S]*HTTP 500/,
    );
    // The list page names the broken file and lists the sound session.
    await open(t.w.page, t.viewer.url);
    await expect(problem.textContent()).resolves.toContain('broken.json');
    expect(await rowIds(t.w.page)).toEqual(['s-0001']);
    await open(t.w.page, `${t.viewer.url}#/session?id=s-0001`);
    await expect(t.w.page.locator('h1').textContent()).resolves.toBe('Session 1');
    await t.close();
  });

  it('with --allow-delete, a session is deleted from its page (no dialog)', async () => {
    const folder = join(dir.dir, 'deletable');
    const fileStore = await openTestStore(`file:${folder}`);
    await fileStore.save(makeSession(1));
    await fileStore.save(makeSession(2));
    await fileStore.close();
    const t = await pageOver(`file:${folder}`, '#/session?id=s-0002', true);
    await t.w.page.locator('.delete button', { hasText: 'Delete…' }).click();
    await t.w.page.locator('button.confirm-delete').click();
    await expect(t.w.page.locator('.deleted').textContent()).resolves.toMatch(/^Deleted\./);
    expect(await t.store.exists('s-0002')).toBe(false);
    expect(await t.store.exists('s-0001')).toBe(true);
    await navigate(t.w.page, () => t.w.page.locator('.deleted a').click());
    expect(await rowIds(t.w.page)).toEqual(['s-0001']);
    expect(t.w.dialogs).toEqual([]);
    await t.close();
  });
});

it('keeps its screenshots in test/output/', () => {
  for (const name of ['viewer-session.png', 'viewer-usage.png'])
    expect(existsSync(join(OUTPUT_DIR, name)), name).toBe(true);
});
