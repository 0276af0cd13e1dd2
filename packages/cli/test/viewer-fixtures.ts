/** Sessions for the viewer's tests: a long one with every kind of block, its children, and a hostile one. */
import type { LlmCostRecord, Message, SessionData } from '@agent-sessions/core';
import { makeSession } from './helpers.js';

/** A 1×1 PNG: the smallest image a browser decodes. */
export const TINY_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

export const RICH_ID = 'rich-session';
export const RICH_TURNS = 30;
/** Four messages a turn: prompt, assistant with a tool call, tool result, assistant answer. */
export const RICH_MESSAGES = RICH_TURNS * 4;
export const LONG_OUTPUT = `${'0123456789'.repeat(600)}END-OF-LONG-OUTPUT`;

function richTurn(n: number, last: boolean): Message[] {
  const useId = `call_${n}`;
  return [
    { role: 'user', content: [{ type: 'text', text: `Prompt ${n}: list the files in dir-${n}` }] },
    {
      role: 'assistant',
      reasoning_content: `Thinking about turn ${n}: ls is the tool for this.`,
      content: [
        { type: 'text', text: `Listing dir-${n}.` },
        { type: 'tool_use', id: useId, name: 'bash', input: { command: `ls dir-${n}`, timeout_ms: 5000 } },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: useId,
          // The last turn carries what the page must cut and show: a long output and an image.
          content: last
            ? [
                { type: 'text', text: LONG_OUTPUT },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG } },
              ]
            : `file-${n}.txt`,
          is_error: false,
        },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: `Answer ${n}: dir-${n} holds one file.` }] },
  ] as Message[];
}

function record(n: number, k: number): LlmCostRecord {
  return {
    model: 'claude-test',
    provider: 'anthropic',
    prompt_tokens: 1000 + n * 10 + k,
    completion_tokens: 100 + k,
    total_tokens: 1100 + n * 10 + 2 * k,
    cost_usd: 0.001 * (k + 1),
    timestamp: '2026-11-25T09:00:00Z',
    session_id: RICH_ID,
  };
}

/** Newer than every `makeSession(i)` below 10 000, so it heads the list. */
export function richSession(): SessionData {
  const messages = Array.from({ length: RICH_TURNS }, (_, n) => richTurn(n + 1, n + 1 === RICH_TURNS)).flat();
  // Two model calls a turn, one per assistant message: the usage chart pairs them into one bar per turn.
  const records = Array.from({ length: RICH_TURNS }, (_, n) => [record(n + 1, 0), record(n + 1, 1)]).flat();
  const sum = (key: 'prompt_tokens' | 'completion_tokens' | 'total_tokens') => records.reduce((t, r) => t + r[key], 0);
  return makeSession(10_000, {
    id: RICH_ID,
    messages,
    cost_records: records,
    total_usage: {
      prompt_tokens: sum('prompt_tokens'),
      completion_tokens: sum('completion_tokens'),
      total_tokens: sum('total_tokens'),
      cache_read_tokens: 1200,
      cache_write_tokens: 300,
    },
    total_cost: records.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0),
    tasks: [
      { id: 't1', content: 'List every folder', status: 'completed', priority: 'high' },
      { id: 't2', content: 'Summarise the files', status: 'in_progress', priority: 'medium', dependencies: ['t1'] },
    ],
  } as Partial<SessionData>);
}

export const CHILD_IDS = ['child-a', 'child-b', 'child-c'];

export function childSessions(): SessionData[] {
  return CHILD_IDS.map((id, k) => makeSession(5000 + k, { id, parent_id: RICH_ID } as Partial<SessionData>));
}

/** Markup and script in every text a session holds. None of it may run, all of it must show as text. */
export const PAYLOADS = [
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'onerror\'">',
  '</script><script>window.__pwned = "json"</script>',
  '[click me](javascript:window.__pwned="md")',
  'javascript:window.__pwned="link"',
  '<a href="javascript:window.__pwned=\'a\'">link</a>',
  '"><svg onload="window.__pwned=\'svg\'">',
  '<iframe srcdoc="<script>parent.__pwned=\'frame\'</script>"></iframe>',
  '<style>body{display:none}</style>',
];

export const HOSTILE_ID = '<img src=x onerror="window.__pwned=\'id\'">';
export const HOSTILE_NAME = '<script>window.__pwned="name"</script>';

export function hostileSession(): SessionData {
  const text = PAYLOADS.join('\n');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=\'svgimg\'"/>').toString(
    'base64',
  );
  const messages = [
    { role: 'user', content: PAYLOADS.map((p) => ({ type: 'text', text: p })) },
    {
      role: '<b onmouseover="window.__pwned=\'role\'">assistant</b>',
      reasoning_content: text,
      content: [
        {
          type: 'tool_use',
          id: '"><script>window.__pwned="useid"</script>',
          name: '<img src=x onerror="window.__pwned=\'tool\'">',
          input: { '</script><script>window.__pwned="key"</script>': PAYLOADS[1], link: PAYLOADS[4] },
        },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: '"><script>window.__pwned="useid"</script>',
          content: [
            { type: 'text', text },
            { type: 'image', source: { type: 'base64', media_type: 'image/svg+xml', data: svg } },
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/png" onerror="window.__pwned=1', data: TINY_PNG },
            },
            { type: 'image', source: { type: 'base64', media_type: 'text/html', data: svg } },
          ],
          is_error: true,
        },
      ],
    },
  ] as Message[];
  return makeSession(9000, {
    id: HOSTILE_ID,
    messages,
    model_name: PAYLOADS[0],
    tasks: [{ id: 'x', content: PAYLOADS[1], status: 'pending', priority: 'low', tool: PAYLOADS[6] }],
    cost_records: [{ ...record(1, 0), model: PAYLOADS[2], provider: PAYLOADS[5] }],
    config: { ...makeSession(9000).config, name: HOSTILE_NAME, workspace: PAYLOADS[3], system_prompt: text },
  } as Partial<SessionData>);
}
