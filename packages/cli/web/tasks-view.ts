/** The tasks tab: the session's task list with status and priority. */
import type { SessionHeader } from '../src/serve/api-types.js';
import { h, rowsTable } from './dom.js';

const STATUS_CLASSES = new Set(['pending', 'in_progress', 'completed', 'failed', 'skipped', 'cancelled']);

export function tasksView(tasks: SessionHeader['tasks']): HTMLElement {
  if (tasks.length === 0) return h('p', { class: 'muted' }, 'No tasks.');
  return rowsTable(
    'tasks',
    ['Status', 'Priority', 'Task', 'Tool', 'Depends on'],
    tasks.map((t) =>
      h(
        'tr',
        {},
        h(
          'td',
          {},
          h('span', { class: `status ${STATUS_CLASSES.has(t.status) ? t.status : ''}` }, t.status.replace('_', ' ')),
        ),
        h('td', {}, t.priority),
        h(
          'td',
          {},
          t.content,
          t.success_criteria ? h('div', { class: 'muted' }, `Done when: ${t.success_criteria}`) : null,
        ),
        h('td', {}, t.tool ?? ''),
        h('td', {}, (t.dependencies ?? []).join(', ')),
      ),
    ),
  );
}
