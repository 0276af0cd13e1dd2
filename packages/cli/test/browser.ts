/**
 * A real browser for the viewer's tests: playwright-core driving the system's Chromium (Debian's `chromium`
 * package; .ci/run installs it), headless, with a fresh profile, and a page that records what an injected script
 * would leave behind: dialogs, Content-Security-Policy violations, uncaught errors.
 */
import { existsSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { tempDir } from './helpers.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Quiet and self-contained: no sandbox (tests run as root), no GPU, no calls home, no first-run UI.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: install it (Debian: apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  // A persistent context is how Playwright takes a --user-data-dir: a new empty one each run.
  const profile = tempDir('agent-sessions-chromium-');
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      profile.remove();
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Messages of alert/confirm/prompt dialogs (each dismissed). */
  dialogs: string[];
  /** Uncaught errors in the page. */
  errors: string[];
  /** CSP violations: each would be an injection that only the policy stopped, or the page breaking its own rule. */
  violations(): Promise<string[]>;
  /** What a payload would set when it ran. */
  pwned(): Promise<unknown>;
}

export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  // Runs before the page's own scripts, from the browser's side: the page's CSP does not apply to it.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return {
    page,
    dialogs,
    errors,
    violations: () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations),
    pwned: () => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned),
  };
}

/** Runs `action` (a click, a new hash) and waits until the viewer has drawn the page it leads to. */
export async function navigate(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await page.evaluate(() => location.hash);
  await action();
  await page.waitForFunction(
    (previous) => location.hash !== previous && document.getElementById('app')?.dataset.state !== 'loading',
    before,
  );
}

/** Loads `url` afresh and waits until the viewer has drawn it (or drawn its error). */
export async function open(page: Page, url: string): Promise<void> {
  // Through a blank page: going from one #fragment to another would not reload, and the old page reads as drawn.
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction(() => {
    const state = document.getElementById('app')?.dataset.state;
    return state === 'ready' || state === 'error';
  });
}
