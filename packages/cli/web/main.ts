/** The viewer's entry script: draws the page the URL's #fragment names, again on every change of it. */
import type { ViewerInfo } from '../src/serve/api-types.js';
import { ApiError, apiGet } from './api.js';
import { h, replace } from './dom.js';
import { listPage } from './list-page.js';
import { problemPanel } from './problem.js';
import { parseRoute } from './route.js';
import { forgetSession, sessionPage } from './session-page.js';

const app = document.getElementById('app') as HTMLElement;
let info: ViewerInfo | null = null;
/** Each render's number: a slow answer for a page the reader already left must not replace the current one. */
let renders = 0;

function show(state: 'loading' | 'ready' | 'error', ...content: (HTMLElement | string)[]): void {
  app.dataset.state = state;
  replace(app, ...content);
}

async function pageFor(hash: string): Promise<HTMLElement> {
  if (info === null) {
    info = await apiGet<ViewerInfo>('/api/info');
    const label = document.getElementById('store');
    if (label)
      label.textContent = `${info.store} · ${info.backend}${info.allowDelete ? ' · deletes allowed' : ' · read-only'}`;
  }
  const route = parseRoute(hash);
  if (route.page === 'list') {
    forgetSession();
    return listPage(route);
  }
  if (route.page === 'session') return sessionPage(route.id, route.tab, info);
  throw new ApiError(404, 'NOT_FOUND', `This viewer has no page "${route.hash}".`);
}

async function render(): Promise<void> {
  const mine = ++renders;
  show('loading', h('p', { class: 'muted' }, 'Loading…'));
  try {
    const page = await pageFor(location.hash);
    if (mine === renders) show('ready', page);
  } catch (error) {
    if (mine === renders) show('error', problemPanel(error));
  }
}

// A bug in the page must still say something rather than leave it blank.
window.addEventListener('error', (event) => show('error', problemPanel(event.error ?? event.message)));
window.addEventListener('unhandledrejection', (event) => show('error', problemPanel(event.reason)));
window.addEventListener('hashchange', () => void render());
void render();
