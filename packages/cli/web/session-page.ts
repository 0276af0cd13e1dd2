/** One session: its facts, and tabs for the conversation, usage, tasks and children. */
import type { DeleteResult, SessionListPage, SessionUsage, SessionView, ViewerInfo } from '../src/serve/api-types.js';
import { apiDelete, apiGet } from './api.js';
import { conversationView, MESSAGES_PER_SLICE } from './conversation-view.js';
import { h, hOn, replace } from './dom.js';
import { formatCost, formatCount, formatTime } from './format.js';
import { problemPanel } from './problem.js';
import { listHref, sessionHref, TABS, type Tab } from './route.js';
import { sessionTable } from './session-table.js';
import { tasksView } from './tasks-view.js';
import { longText } from './text-view.js';
import { usageView } from './usage-view.js';

const TAB_NAMES: Readonly<Record<Tab, string>> = {
  conversation: 'Conversation',
  usage: 'Usage',
  tasks: 'Tasks',
  children: 'Children',
};

/** The last session shown, so switching tabs does not load it again. */
let cached: { id: string; view: SessionView } | null = null;

function facts(view: SessionView): HTMLElement {
  const s = view.session;
  const item = (name: string, ...value: (Node | string)[]) => h('div', {}, h('dt', {}, name), h('dd', {}, ...value));
  return h(
    'dl',
    { class: 'facts-grid' },
    item('Id', h('code', {}, s.id)),
    item('State', h('span', { class: `state ${s.state.toLowerCase()}` }, s.state)),
    item('Model', [s.model_name ?? '–', s.provider ? ` (${s.provider})` : ''].join('')),
    item('Messages', formatCount(view.messages.total)),
    item('Tokens', formatCount(s.total_usage.total_tokens)),
    item('Cost', formatCost(s.total_cost)),
    item('Created', formatTime(s.created_at)),
    item('Updated', formatTime(s.updated_at)),
    item('Workspace', h('code', {}, s.workspace)),
    item('Revision', String(s.revision)),
    s.parent_id === null ? '' : item('Parent', h('a', { href: sessionHref(s.parent_id) }, h('code', {}, s.parent_id))),
  );
}

function deleteControl(id: string): HTMLElement {
  const box = h('div', { class: 'delete' });
  const ask = () =>
    replace(
      box,
      h('span', {}, 'Delete this session from the store? This cannot be undone. '),
      hOn('button', { type: 'button', class: 'danger confirm-delete' }, { click: () => void remove() }, 'Delete'),
      hOn('button', { type: 'button' }, { click: idle }, 'Cancel'),
    );
  const remove = async () => {
    try {
      await apiDelete<DeleteResult>('/api/session', { id });
      cached = null;
      replace(box, h('p', { class: 'deleted' }, 'Deleted. ', h('a', { href: listHref() }, 'Back to the list')));
    } catch (error) {
      replace(box, problemPanel(error));
    }
  };
  function idle() {
    replace(box, hOn('button', { type: 'button', class: 'danger' }, { click: ask }, 'Delete…'));
  }
  idle();
  return box;
}

async function children(id: string): Promise<HTMLElement> {
  const page = await apiGet<SessionListPage>('/api/sessions', { parent: id, limit: 50 });
  if (page.sessions.length === 0) return h('p', { class: 'muted' }, 'No sessions have this one as their parent.');
  return h(
    'div',
    {},
    sessionTable(page.sessions),
    page.nextCursor === null ? null : h('p', {}, h('a', { href: listHref({ parent: id }) }, 'All children →')),
  );
}

async function tabBody(view: SessionView, tab: Tab): Promise<HTMLElement> {
  const id = view.session.id;
  switch (tab) {
    case 'conversation':
      return conversationView(id, view.messages);
    case 'usage':
      return usageView(await apiGet<SessionUsage>('/api/usage', { id }));
    case 'tasks':
      return tasksView(view.session.tasks);
    case 'children':
      return children(id);
  }
}

export async function sessionPage(id: string, tab: Tab, info: ViewerInfo): Promise<HTMLElement> {
  const view =
    cached?.id === id ? cached.view : await apiGet<SessionView>('/api/session', { id, limit: MESSAGES_PER_SLICE });
  cached = { id, view };
  const body = h('div', { class: 'tab-body' }, h('p', { class: 'muted' }, 'Loading…'));
  tabBody(view, tab).then(
    (content) => replace(body, content),
    (error) => replace(body, problemPanel(error)),
  );
  const prompt = view.session.system_prompt;
  return h(
    'section',
    { class: 'session' },
    h('p', {}, h('a', { href: listHref() }, '← All sessions')),
    h('h1', {}, view.session.name || '(no name)'),
    facts(view),
    prompt ? h('details', { class: 'system-prompt' }, h('summary', {}, 'System prompt'), longText(prompt)) : null,
    info.allowDelete ? deleteControl(id) : null,
    h(
      'nav',
      { class: 'tabs' },
      TABS.map((t) =>
        h(
          'a',
          { href: sessionHref(id, t), class: 'tab', ...(t === tab ? { 'aria-current': 'page' } : {}) },
          TAB_NAMES[t],
        ),
      ),
    ),
    body,
  );
}

/** Forget the cached session (the list was opened again: it may have changed). */
export function forgetSession(): void {
  cached = null;
}
