/**
 * Where the page is, kept in the URL's #fragment so every view can be reloaded, bookmarked and left with Back.
 * Ids and cursors travel encoded as query parameters of the fragment.
 */

export type Tab = 'conversation' | 'usage' | 'tasks' | 'children';
export const TABS: readonly Tab[] = ['conversation', 'usage', 'tasks', 'children'];

export type Route =
  | { page: 'list'; name: string; parent: string; cursor: string }
  | { page: 'session'; id: string; tab: Tab }
  | { page: 'unknown'; hash: string };

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#/, '');
  const q = body.indexOf('?');
  const path = q === -1 ? body : body.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : body.slice(q + 1));
  if (path === '' || path === '/')
    return {
      page: 'list',
      name: params.get('name') ?? '',
      parent: params.get('parent') ?? '',
      cursor: params.get('cursor') ?? '',
    };
  const id = params.get('id');
  if (path === '/session' && id !== null && id !== '') {
    const tab = params.get('tab') ?? 'conversation';
    return { page: 'session', id, tab: (TABS as readonly string[]).includes(tab) ? (tab as Tab) : 'conversation' };
  }
  return { page: 'unknown', hash };
}

function withParams(path: string, params: Record<string, string>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== '') search.set(key, value);
  const text = search.toString();
  return `#${path}${text === '' ? '' : `?${text}`}`;
}

export function listHref(filters: { name?: string; parent?: string; cursor?: string } = {}): string {
  return withParams('/', { name: filters.name ?? '', parent: filters.parent ?? '', cursor: filters.cursor ?? '' });
}

export function sessionHref(id: string, tab: Tab = 'conversation'): string {
  return withParams('/session', { id, tab: tab === 'conversation' ? '' : tab });
}
