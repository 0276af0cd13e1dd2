/** The usage tab: the chart, the totals and the cost per model. */
import type { SessionUsage } from '../src/serve/api-types.js';
import { h, rowsTable } from './dom.js';
import { formatCost, formatCount, plural } from './format.js';
import { usageChart } from './usage-chart.js';

function totals(usage: SessionUsage): HTMLElement {
  const u = usage.total_usage;
  const c = usage.context_usage;
  const row = (name: string, value: string) => h('tr', {}, h('th', {}, name), h('td', {}, value));
  return h(
    'table',
    { class: 'facts' },
    h(
      'tbody',
      {},
      row('Prompt tokens', formatCount(u.prompt_tokens)),
      row('Completion tokens', formatCount(u.completion_tokens)),
      row('Total tokens', formatCount(u.total_tokens)),
      u.cache_read_tokens == null ? null : row('Cache read tokens', formatCount(u.cache_read_tokens)),
      u.cache_write_tokens == null ? null : row('Cache write tokens', formatCount(u.cache_write_tokens)),
      row(
        'Context',
        `${formatCount(c.used_tokens)} of ${formatCount(c.max_tokens)} tokens (${Number(c.percent.toFixed(1))} %), ${plural(c.turns, 'turn')}`,
      ),
      row('Total cost', formatCost(usage.total_cost)),
    ),
  );
}

function models(usage: SessionUsage): HTMLElement | null {
  if (usage.models.length === 0) return null;
  return rowsTable(
    '',
    ['Model', 'Provider', 'Calls', 'Tokens', 'Cost'],
    usage.models.map((m) =>
      h(
        'tr',
        {},
        h('td', {}, m.model),
        h('td', {}, m.provider),
        h('td', { class: 'num' }, formatCount(m.calls)),
        h('td', { class: 'num' }, formatCount(m.total_tokens)),
        h(
          'td',
          { class: 'num' },
          formatCost(m.cost_usd),
          m.unpriced_calls > 0 ? ` (${m.unpriced_calls} unpriced)` : '',
        ),
      ),
    ),
  );
}

export function usageView(usage: SessionUsage): HTMLElement {
  const chart =
    usage.points.length === 0
      ? h('p', { class: 'muted' }, 'No cost records in this session, so there is nothing to chart per turn.')
      : h(
          'figure',
          { class: 'chart' },
          usageChart(usage.points, usage.basis === 'turns' ? 'Turn' : 'Call'),
          h(
            'figcaption',
            {},
            h('span', { class: 'key prompt' }, 'prompt tokens'),
            h('span', { class: 'key completion' }, 'completion tokens'),
            h('span', { class: 'key cost' }, 'cumulative cost'),
            usage.basis === 'turns'
              ? ` · ${plural(usage.points.length, 'turn')} from ${plural(usage.records, 'cost record')}`
              : ` · one bar per model call: the ${plural(usage.records, 'cost record')} do not pair with the assistant messages`,
          ),
        );
  return h('div', { class: 'usage' }, chart, h('h3', {}, 'Totals'), totals(usage), models(usage));
}
