/**
 * The usage chart, drawn as SVG: a bar per turn (prompt and completion tokens stacked, left axis) and the
 * cumulative cost as a line with a point per turn (right axis). Each bar's <title> gives its numbers on hover.
 */
import type { UsagePoint } from '../src/serve/api-types.js';
import { s } from './dom.js';
import { formatCost, formatCount } from './format.js';

const WIDTH = 760;
const HEIGHT = 260;
const MARGIN = { left: 64, right: 72, top: 16, bottom: 36 };
const MAX_X_LABELS = 12;

function pointTitle(p: UsagePoint): string {
  return (
    `${p.label}: ${formatCount(p.total_tokens)} tokens (prompt ${formatCount(p.prompt_tokens)}, ` +
    `completion ${formatCount(p.completion_tokens)}), ${p.calls} call${p.calls === 1 ? '' : 's'}, ` +
    `cost ${formatCost(p.cost_usd)}, cumulative ${formatCost(p.cumulative_cost)}`
  );
}

/** `axisName` names what a bar is: "Turn" or "Call". */
export function usageChart(points: readonly UsagePoint[], axisName: string): SVGElement {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const bottom = MARGIN.top + plotH;
  const maxTokens = Math.max(1, ...points.map((p) => p.prompt_tokens + p.completion_tokens));
  const maxCost = Math.max(1e-9, ...points.map((p) => p.cumulative_cost));
  const band = plotW / Math.max(1, points.length);
  const barW = Math.max(1, band * 0.7);
  const yTokens = (t: number) => bottom - (t / maxTokens) * plotH;
  const yCost = (c: number) => bottom - (c / maxCost) * plotH;
  const xCenter = (i: number) => MARGIN.left + band * i + band / 2;

  const bars = points.map((p, i) => {
    const x = xCenter(i) - barW / 2;
    const promptTop = yTokens(p.prompt_tokens);
    const completionTop = yTokens(p.prompt_tokens + p.completion_tokens);
    return s(
      'g',
      { class: 'bar' },
      s('title', {}, pointTitle(p)),
      s('rect', { class: 'prompt', x, y: promptTop, width: barW, height: bottom - promptTop }),
      s('rect', { class: 'completion', x, y: completionTop, width: barW, height: promptTop - completionTop }),
    );
  });
  const line = points.map((p, i) => `${xCenter(i)},${yCost(p.cumulative_cost)}`).join(' ');
  const costPoints = points.map((p, i) =>
    s(
      'circle',
      { class: 'cost-point', cx: xCenter(i), cy: yCost(p.cumulative_cost), r: 3 },
      s('title', {}, pointTitle(p)),
    ),
  );
  const step = Math.max(1, Math.ceil(points.length / MAX_X_LABELS));
  const xLabels = points.flatMap((p, i) =>
    i % step === 0
      ? [
          s(
            'text',
            { class: 'x-label', x: xCenter(i), y: bottom + 16, 'text-anchor': 'middle' },
            p.label.replace(/^\D+/, ''),
          ),
        ]
      : [],
  );
  const axisText = (x: number, y: number, anchor: string, text: string) =>
    s('text', { class: 'axis-label', x, y, 'text-anchor': anchor, 'dominant-baseline': 'middle' }, text);

  return s(
    'svg',
    {
      class: 'usage-chart',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-label': 'Tokens per turn and cumulative cost',
    },
    s('line', { class: 'axis', x1: MARGIN.left, y1: bottom, x2: MARGIN.left + plotW, y2: bottom }),
    [0, 0.5, 1].flatMap((f) => [
      s('line', {
        class: 'grid',
        x1: MARGIN.left,
        y1: bottom - f * plotH,
        x2: MARGIN.left + plotW,
        y2: bottom - f * plotH,
      }),
      axisText(MARGIN.left - 6, bottom - f * plotH, 'end', formatCount(Math.round(maxTokens * f))),
      axisText(MARGIN.left + plotW + 6, bottom - f * plotH, 'start', formatCost(maxCost * f)),
    ]),
    bars,
    points.length > 0 ? s('polyline', { class: 'cost-line', points: line }) : null,
    costPoints,
    xLabels,
    axisText(MARGIN.left, HEIGHT - 6, 'start', axisName),
  );
}
