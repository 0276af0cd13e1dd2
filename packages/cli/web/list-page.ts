/**
 * The session list: newest first, one store page at a time, filtered by name and by parent. Store cursors only go
 * forward, so the page remembers which cursor led to which, to offer "Newer" after "Older".
 */
import type { SessionListPage } from '../src/serve/api-types.js';
import { apiGet } from './api.js';
import { h, hOn } from './dom.js';
import { plural } from './format.js';
import { listHref } from './route.js';
import { sessionTable } from './session-table.js';

export const SESSIONS_PER_PAGE = 50;

interface Filters {
  name: string;
  parent: string;
  cursor: string;
}

/** For each cursor reached with "Older": the cursor of the page before it and the position of its first row. */
const trail = new Map<string, { previous: string; offset: number }>();

function trailKey(f: Filters): string {
  return JSON.stringify([f.name, f.parent, f.cursor]);
}

function filterForm(f: Filters): HTMLElement {
  const name = h('input', {
    type: 'search',
    name: 'name',
    value: f.name,
    placeholder: 'name or id contains…',
    'aria-label': 'Filter by name',
  });
  const parent = h('input', {
    type: 'search',
    name: 'parent',
    value: f.parent,
    placeholder: 'parent id',
    'aria-label': 'Filter by parent',
  });
  return hOn(
    'form',
    { class: 'filters', role: 'search' },
    {
      submit: (event) => {
        event.preventDefault();
        location.hash = listHref({ name: name.value.trim(), parent: parent.value.trim() });
      },
    },
    name,
    parent,
    h('button', { type: 'submit' }, 'Filter'),
    f.name !== '' || f.parent !== '' ? h('a', { href: listHref() }, 'Clear') : null,
  );
}

/** `offset` is the position of the first row, or null when the page was opened by its link (not reached by paging). */
function pager(f: Filters, page: SessionListPage, offset: number | null): HTMLElement {
  const here = trail.get(trailKey(f));
  const newer =
    f.cursor === ''
      ? null
      : h(
          'a',
          { class: 'newer', href: listHref({ ...f, cursor: here?.previous ?? '' }) },
          here ? '← Newer' : '← Newest',
        );
  const older =
    page.nextCursor === null
      ? null
      : hOn(
          'a',
          { class: 'older', href: listHref({ ...f, cursor: page.nextCursor }) },
          {
            click: () =>
              trail.set(trailKey({ ...f, cursor: page.nextCursor ?? '' }), {
                previous: f.cursor,
                offset: (offset ?? Number.NaN) + page.sessions.length,
              }),
          },
          page.sessions.length === 0 ? 'Search further →' : 'Older →',
        );
  const count = page.sessions.length;
  const shown =
    count === 0
      ? ''
      : offset === null || Number.isNaN(offset)
        ? plural(count, 'session')
        : `Sessions ${offset + 1}–${offset + count}`;
  return h('nav', { class: 'pager' }, newer, h('span', { class: 'position' }, shown), older);
}

function emptyNote(f: Filters, page: SessionListPage): string {
  if (f.name === '' && f.parent === '') return 'No sessions in this store.';
  if (page.nextCursor !== null) return `No match among the ${plural(page.scanned, 'session')} searched so far.`;
  return 'No sessions match these filters.';
}

/** Records the store could not read: named above the list, which goes on around them. */
function unreadableNotice(page: SessionListPage): HTMLElement | null {
  if (page.unreadable.length === 0) return null;
  return h(
    'section',
    { class: 'problem', role: 'alert', 'data-code': 'SESSION_CORRUPT' },
    h('h2', {}, `${plural(page.unreadable.length, 'stored record')} could not be read`),
    h('ul', {}, ...page.unreadable.map((u) => h('li', { class: 'problem-message' }, u.message))),
    h('p', { class: 'muted' }, 'The other sessions are listed. Restore, repair or delete the records named.'),
  );
}

export async function listPage(f: Filters): Promise<HTMLElement> {
  const page = await apiGet<SessionListPage>('/api/sessions', {
    limit: SESSIONS_PER_PAGE,
    cursor: f.cursor,
    parent: f.parent,
    name: f.name,
  });
  const offset = f.cursor === '' ? 0 : (trail.get(trailKey(f))?.offset ?? null);
  return h(
    'section',
    { class: 'list' },
    h('h1', {}, f.parent === '' ? 'Sessions' : ['Children of ', h('code', {}, f.parent)]),
    filterForm(f),
    unreadableNotice(page),
    page.sessions.length === 0 ? h('p', { class: 'muted empty' }, emptyNote(f, page)) : sessionTable(page.sessions),
    pager(f, page, offset),
  );
}
