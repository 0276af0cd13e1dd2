/** A failure shown in the page: what went wrong in a heading, the server's message, and what to try. */
import { ApiError } from './api.js';
import { h } from './dom.js';

const TITLES: Readonly<Record<string, { title: string; hint: string }>> = {
  STORE_UNAVAILABLE: {
    title: 'The store is unreachable',
    hint: 'Check that its server is running and reachable; this page works again once it answers (reload).',
  },
  STORE_ACCESS: { title: 'The store refused access', hint: 'Check the credentials in the store URL.' },
  STORE_CLOSED: { title: 'The store was closed', hint: 'Restart agent-sessions serve.' },
  SESSION_NOT_FOUND: { title: 'Session not found', hint: 'It may have been deleted. Go back to the list.' },
  SESSION_CORRUPT: {
    title: 'A stored session is corrupt',
    hint: 'The record named above cannot be read. Restore it from a backup, repair it or delete it.',
  },
  INVALID_ARGUMENT: { title: 'The request was refused', hint: 'Go back to the list and start again.' },
  NO_SERVER: { title: 'The viewer is not running', hint: 'Start agent-sessions serve again, then reload.' },
};

export function problemPanel(error: unknown): HTMLElement {
  const code = error instanceof ApiError ? error.code : 'PAGE_ERROR';
  const status = error instanceof ApiError && error.status > 0 ? ` (HTTP ${error.status})` : '';
  const known = TITLES[code];
  const message = error instanceof Error ? error.message : String(error);
  return h(
    'section',
    { class: 'problem', role: 'alert', 'data-code': code },
    h('h2', {}, known?.title ?? 'Something went wrong'),
    h('p', { class: 'problem-message' }, message),
    h(
      'p',
      { class: 'muted' },
      `${code}${status}. ${known?.hint ?? 'Reload the page; if it persists, see the terminal running the viewer.'}`,
    ),
    h('p', {}, h('a', { href: '#/' }, '← All sessions')),
  );
}
