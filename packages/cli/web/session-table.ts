/** A table of session rows, for the list and for a session's children. */
import type { SessionRow } from '../src/serve/api-types.js';
import { h, rowsTable } from './dom.js';
import { formatCost, formatCount, formatTime } from './format.js';
import { sessionHref } from './route.js';

const STATE_CLASSES = new Set(['Unknown', 'Active', 'Paused', 'Completed', 'Error']);

function row(r: SessionRow): HTMLElement {
  return h(
    'tr',
    { 'data-id': r.id },
    h('td', {}, h('a', { href: sessionHref(r.id) }, r.name || '(no name)'), h('div', { class: 'muted mono' }, r.id)),
    h('td', {}, h('span', { class: `state ${STATE_CLASSES.has(r.state) ? r.state.toLowerCase() : ''}` }, r.state)),
    h('td', { class: 'num' }, formatCount(r.message_count)),
    h(
      'td',
      { class: 'num' },
      r.problem
        ? h('span', { class: 'problem-inline', title: r.problem.message }, 'unreadable')
        : formatCount(r.total_tokens),
    ),
    h('td', { class: 'num' }, formatCost(r.total_cost)),
    h('td', {}, formatTime(r.updated_at)),
    h('td', {}, r.parent_id === null ? '' : h('a', { href: sessionHref(r.parent_id), class: 'mono' }, r.parent_id)),
  );
}

export function sessionTable(rows: readonly SessionRow[]): HTMLElement {
  return rowsTable('sessions', ['Session', 'State', 'Messages', 'Tokens', 'Cost', 'Updated', 'Parent'], rows.map(row));
}
