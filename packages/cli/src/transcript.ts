/**
 * A readable transcript of one session for `show`: header, the conversation (roles, text, tool calls and their
 * results), tasks, token usage and cost.
 */
import type { ContentBlock, SessionData } from '@agent-sessions/core';

export interface TranscriptOptions {
  /** Print tool inputs and results whole instead of cutting them at {@link PREVIEW_CHARS}. Default false. */
  full?: boolean;
}

/** Tool inputs and results are previews by default: a file dump in a tool result would bury the conversation. */
export const PREVIEW_CHARS = 400;

/**
 * Stored text may hold terminal escape sequences (a tool that printed colours, or a hostile document); shown raw
 * they would repaint or hijack the terminal, so control characters other than newline and tab become visible.
 */
export function safeText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\r') return '';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export function formatTime(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  return Number.isNaN(date.getTime()) ? String(unixSeconds) : date.toISOString().replace('.000Z', 'Z');
}

export function formatCost(usd: number): string {
  return `$${usd.toFixed(usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 4)}`;
}

function cut(text: string, full: boolean): string {
  if (full || text.length <= PREVIEW_CHARS) return text;
  return `${text.slice(0, PREVIEW_CHARS)}… (${text.length - PREVIEW_CHARS} more characters; --full shows all)`;
}

function indent(text: string, prefix = '  '): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

function jsonPreview(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return jsonPreview(content);
  return content
    .map((part: { type?: string; text?: string; source?: { media_type?: string; data?: string } }) =>
      part.type === 'text'
        ? (part.text ?? '')
        : `[image ${part.source?.media_type ?? ''}, ${part.source?.data?.length ?? 0} base64 chars]`,
    )
    .join('\n');
}

function renderBlock(block: ContentBlock, toolNames: Map<string, string>, full: boolean): string {
  const b = block as ContentBlock & Record<string, unknown>;
  switch (b.type) {
    case 'text':
      return indent(safeText(String(b.text)));
    case 'image': {
      const source = b.source as { media_type?: string; data?: string };
      return indent(`[image ${safeText(source.media_type ?? '')}, ${source.data?.length ?? 0} base64 chars]`);
    }
    case 'tool_use':
      return indent(`→ tool call ${safeText(String(b.name))} (${safeText(String(b.id))})
  input: ${safeText(cut(jsonPreview(b.input), full))}`);
    case 'tool_result': {
      const id = String(b.tool_use_id);
      const name = toolNames.get(id);
      const flag = b.is_error === true ? ' [error]' : '';
      return indent(`← tool result${name ? ` ${safeText(name)}` : ''} (${safeText(id)})${flag}
${indent(safeText(cut(resultText(b.content), full)))}`);
    }
    default:
      return indent(`[${safeText(String((block as { type?: unknown }).type))} block]`);
  }
}

/** Renders the session; ends without a trailing newline. */
export function renderTranscript(session: SessionData, options: TranscriptOptions = {}): string {
  const full = options.full ?? false;
  const out: string[] = [];
  out.push(`Session ${safeText(session.id)}  "${safeText(session.config.name)}"`);
  const facts = [
    `state ${session.state}`,
    session.model_name ? `model ${safeText(session.model_name)}` : null,
    session.llm_config ? `provider ${safeText(session.llm_config.provider)}` : null,
    `${session.messages.length} messages`,
    `created ${formatTime(session.created_at)}`,
    `updated ${formatTime(session.updated_at)}`,
  ].filter((f): f is string => f !== null);
  out.push(`  ${facts.join(' · ')}`);
  out.push(`  workspace ${safeText(session.config.workspace)}`);
  if (session.parent_id) out.push(`  parent ${safeText(session.parent_id)}`);
  if (session.config.system_prompt)
    out.push(`  system prompt:\n${indent(safeText(cut(session.config.system_prompt, full)), '    ')}`);

  const toolNames = new Map<string, string>();
  for (const message of session.messages)
    for (const block of message.content) if (block.type === 'tool_use') toolNames.set(block.id, block.name);

  session.messages.forEach((message, i) => {
    out.push('');
    out.push(`[${i + 1}] ${safeText(message.role)}`);
    if (message.reasoning_content) out.push(indent(`(thinking) ${safeText(cut(message.reasoning_content, full))}`));
    for (const block of message.content) out.push(renderBlock(block, toolNames, full));
  });

  if (session.tasks.length > 0) {
    out.push('', 'Tasks');
    for (const task of session.tasks) out.push(`  [${task.status}] ${safeText(task.content)}`);
  }

  const u = session.total_usage;
  const c = session.context_usage;
  out.push('', 'Usage');
  const tokens = [`prompt ${u.prompt_tokens}`, `completion ${u.completion_tokens}`, `total ${u.total_tokens}`];
  if (u.cache_read_tokens != null) tokens.push(`cache read ${u.cache_read_tokens}`);
  if (u.cache_write_tokens != null) tokens.push(`cache write ${u.cache_write_tokens}`);
  out.push(`  tokens: ${tokens.join(' · ')}`);
  out.push(
    `  context: ${c.used_tokens}/${c.max_tokens} tokens (${Number(c.percent.toFixed(1))}%) over ${c.turns} turns`,
  );
  out.push(`  cost: ${formatCost(session.total_cost)} total`);
  const byModel = new Map<string, { calls: number; tokens: number; cost: number; unknown: number }>();
  for (const r of session.cost_records) {
    const key = `${r.model} (${r.provider})`;
    const entry = byModel.get(key) ?? { calls: 0, tokens: 0, cost: 0, unknown: 0 };
    entry.calls++;
    entry.tokens += r.total_tokens;
    if (r.cost_usd == null) entry.unknown++;
    else entry.cost += r.cost_usd;
    byModel.set(key, entry);
  }
  for (const [model, e] of byModel)
    out.push(
      `    ${safeText(model)}: ${e.calls} call${e.calls === 1 ? '' : 's'}, ${e.tokens} tokens, ${formatCost(e.cost)}` +
        (e.unknown > 0 ? ` (${e.unknown} without a price)` : ''),
    );
  return out.join('\n');
}
