/**
 * The usage page's data: tokens and cost per turn, from `cost_records` (one per model call) laid over the
 * conversation (which says where each turn starts). a3s-code writes one record per model call, and each call
 * produces one assistant message, so the n-th record belongs to the n-th assistant message. When the counts differ
 * (a compacted history, records from before an upgrade), that pairing would lie: the points are then the records
 * themselves, one per call.
 */
import type { LlmCostRecord, Message, SessionData } from '@agent-sessions/core';
import type { ModelUsage, SessionUsage, UsagePoint } from './api-types.js';

/** A user message with anything but tool results is a new prompt: the start of a turn. */
function startsTurn(message: Message): boolean {
  return message.role === 'user' && message.content.some((block) => block.type !== 'tool_result');
}

function point(
  label: string,
  messageIndex: number | null,
  records: readonly LlmCostRecord[],
): Omit<UsagePoint, 'cumulative_cost'> {
  let prompt = 0;
  let completion = 0;
  let total = 0;
  let cost: number | null = null;
  for (const r of records) {
    prompt += r.prompt_tokens;
    completion += r.completion_tokens;
    total += r.total_tokens;
    if (r.cost_usd != null) cost = (cost ?? 0) + r.cost_usd;
  }
  return {
    label,
    message_index: messageIndex,
    calls: records.length,
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
    cost_usd: cost,
  };
}

/** Records grouped by the turn their assistant message is in; turns without a model call are left out. */
function byTurn(
  messages: readonly Message[],
  records: readonly LlmCostRecord[],
): Omit<UsagePoint, 'cumulative_cost'>[] {
  const points: Omit<UsagePoint, 'cumulative_cost'>[] = [];
  let turn = 0;
  let turnStart = 0;
  let pending: LlmCostRecord[] = [];
  let next = 0;
  const flush = () => {
    // Calls before the first prompt (a greeting, a resumed history) are their own point.
    if (pending.length > 0) points.push(point(turn === 0 ? 'Start' : `Turn ${turn}`, turnStart, pending));
    pending = [];
  };
  messages.forEach((message, index) => {
    if (startsTurn(message)) {
      flush();
      turn++;
      turnStart = index;
    } else if (message.role === 'assistant') {
      pending.push(records[next++] as LlmCostRecord);
    }
  });
  flush();
  return points;
}

function byCall(records: readonly LlmCostRecord[]): Omit<UsagePoint, 'cumulative_cost'>[] {
  return records.map((record, i) => point(`Call ${i + 1}`, null, [record]));
}

function byModel(records: readonly LlmCostRecord[]): ModelUsage[] {
  const models = new Map<string, ModelUsage>();
  for (const r of records) {
    const key = JSON.stringify([r.model, r.provider]);
    const entry = models.get(key) ?? {
      model: r.model,
      provider: r.provider,
      calls: 0,
      total_tokens: 0,
      cost_usd: 0,
      unpriced_calls: 0,
    };
    entry.calls++;
    entry.total_tokens += r.total_tokens;
    if (r.cost_usd == null) entry.unpriced_calls++;
    else entry.cost_usd += r.cost_usd;
    models.set(key, entry);
  }
  return [...models.values()];
}

export function computeUsage(session: SessionData): SessionUsage {
  const records = session.cost_records;
  const assistantMessages = session.messages.filter((m) => m.role === 'assistant').length;
  const basis = records.length > 0 && records.length === assistantMessages ? 'turns' : 'calls';
  const raw = basis === 'turns' ? byTurn(session.messages, records) : byCall(records);
  let cumulative = 0;
  const points = raw.map((p) => {
    cumulative += p.cost_usd ?? 0;
    return { ...p, cumulative_cost: cumulative };
  });
  return {
    basis,
    points,
    models: byModel(records),
    total_usage: session.total_usage,
    context_usage: session.context_usage,
    total_cost: session.total_cost,
    records: records.length,
  };
}
