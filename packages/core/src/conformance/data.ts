/** Documents the suite stores: the a3s-code fixtures, generated sessions and fast-check arbitraries. */
import { readdirSync, readFileSync } from 'node:fs';
import { parseSession } from '../codec.js';
import { createSession } from '../create-session.js';
import type { LlmCostRecord, Message, SessionData } from '../schema.js';

const FIXTURES = new URL('../../fixtures/a3s/', import.meta.url);

/** The a3s-code fixtures shipped with core, parsed (each is in canonical form). */
export function fixtureDocuments(): { name: string; text: string; doc: SessionData }[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => {
      const text = readFileSync(new URL(name, FIXTURES), 'utf8');
      return { name, text, doc: parseSession(JSON.parse(text)) };
    });
}

/** A realistic message: user text, assistant tool call, or tool result, by position. */
export function makeMessage(i: number, text = `message ${i}`): Message {
  switch (i % 3) {
    case 0:
      return { role: 'user', content: [{ type: 'text', text }] };
    case 1:
      return {
        role: 'assistant',
        content: [
          { type: 'text', text },
          { type: 'tool_use', id: `toolu_${i}`, name: 'bash', input: { command: `echo ${i}`, timeout: 1000 } },
        ],
      };
    default:
      return {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `toolu_${i - 1}`, content: text, is_error: false }],
      };
  }
}

export interface MakeSessionOptions {
  messages?: number;
  name?: string;
  updatedAt?: number;
  parentId?: string;
  messageText?: (i: number) => string;
}

/** A canonical session with `messages` generated messages. */
export function makeSession(id: string, options: MakeSessionOptions = {}): SessionData {
  const session = createSession({
    id,
    name: options.name ?? `session ${id}`,
    workspace: '/tmp/ws',
    now: 1_700_000_000,
    parentId: options.parentId,
    toolNames: ['bash', 'read'],
  });
  session.updated_at = options.updatedAt ?? 1_700_000_000;
  const count = options.messages ?? 2;
  for (let i = 0; i < count; i++) session.messages.push(makeMessage(i, options.messageText?.(i)));
  return session;
}

/** A cost record of one LLM call at `timestamp` (the field whose text rules chrono decides). */
export function makeCostRecord(timestamp: string, sessionId: string | null = null): LlmCostRecord {
  return {
    model: 'm',
    provider: 'p',
    prompt_tokens: 1,
    completion_tokens: 1,
    total_tokens: 2,
    cost_usd: null,
    timestamp,
    session_id: sessionId,
  };
}
