/** How the usage chart's points come from cost records and the conversation. */
import type { LlmCostRecord, Message, SessionData } from '@agent-sessions/core';
import { describe, expect, it } from 'vitest';
import { computeUsage } from '../src/serve/usage.js';
import { makeSession } from './helpers.js';

const say = (role: string, text: string): Message => ({ role, content: [{ type: 'text', text }] }) as Message;
const result = (id: string): Message =>
  ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok', is_error: false }] }) as Message;

function rec(tokens: number, cost: number | null, model = 'm1'): LlmCostRecord {
  return {
    model,
    provider: 'p',
    prompt_tokens: tokens,
    completion_tokens: 1,
    total_tokens: tokens + 1,
    cost_usd: cost,
    timestamp: '2026-01-01T00:00:00Z',
    session_id: null,
  };
}

function session(messages: Message[], records: LlmCostRecord[]): SessionData {
  return makeSession(1, { messages, cost_records: records });
}

describe('computeUsage', () => {
  it('groups the calls of a tool loop into the turn its prompt started; an unanswered prompt adds no point', () => {
    const messages = [
      say('assistant', 'greeting before any prompt'),
      say('user', 'first'),
      say('assistant', 'calling a tool'),
      result('a'),
      say('assistant', 'done'),
      say('user', 'second'),
      say('assistant', 'answer'),
      say('user', 'third, not answered yet'),
    ];
    const usage = computeUsage(session(messages, [rec(10, 0.1), rec(20, 0.2), rec(30, null, 'm2'), rec(40, 0.4)]));
    expect(usage.basis).toBe('turns');
    expect(usage.points.map((p) => [p.label, p.message_index, p.calls, p.prompt_tokens])).toEqual([
      ['Start', 0, 1, 10],
      ['Turn 1', 1, 2, 50],
      ['Turn 2', 5, 1, 40],
    ]);
    expect(usage.points.map((p) => p.cost_usd)).toEqual([0.1, 0.2, 0.4]);
    expect(usage.points.map((p) => p.cumulative_cost)).toEqual([0.1, 0.1 + 0.2, 0.1 + 0.2 + 0.4]);
    expect(usage.models).toEqual([
      { model: 'm1', provider: 'p', calls: 3, total_tokens: 73, cost_usd: 0.1 + 0.2 + 0.4, unpriced_calls: 0 },
      { model: 'm2', provider: 'p', calls: 1, total_tokens: 31, cost_usd: 0, unpriced_calls: 1 },
    ]);
  });

  it('a turn whose every record is unpriced has a null cost and leaves the cumulative cost flat', () => {
    const usage = computeUsage(
      session(
        [say('user', 'q'), say('assistant', 'a'), say('user', 'q2'), say('assistant', 'a2')],
        [rec(1, 0.5), rec(2, null)],
      ),
    );
    expect(usage.points.map((p) => [p.cost_usd, p.cumulative_cost])).toEqual([
      [0.5, 0.5],
      [null, 0.5],
    ]);
  });

  it('no records: no points; records that do not pair with assistant messages: one point per call', () => {
    expect(computeUsage(session([say('user', 'q'), say('assistant', 'a')], [])).points).toEqual([]);
    const unpaired = computeUsage(session([say('user', 'q'), say('assistant', 'a')], [rec(1, 0.1), rec(2, 0.2)]));
    expect(unpaired.basis).toBe('calls');
    expect(unpaired.points.map((p) => [p.label, p.message_index, p.total_tokens])).toEqual([
      ['Call 1', null, 2],
      ['Call 2', null, 3],
    ]);
  });
});
