/**
 * One session for the page: its header and one slice of its conversation, the latest messages first, so a long
 * session opens without sending its whole history. The store has only `get(id)` today; when it gains a way to load
 * a range of messages, `loadConversation` is the one place that changes.
 */
import type { SessionData, SessionStore } from '@agent-sessions/core';
import type { MessagePage, SessionHeader, SessionView } from './api-types.js';
import { sessionNotFound } from './http-errors.js';

/** Messages per slice when the request names no `limit`. */
export const DEFAULT_MESSAGE_LIMIT = 50;
export const MAX_MESSAGE_LIMIT = 500;

export interface SliceRequest {
  /** Index (exclusive) the slice ends at; default: the end of the conversation. */
  before?: number;
  limit: number;
}

/** Messages `[before - limit, before)`, clamped to the conversation. */
export function sliceMessages(messages: SessionData['messages'], request: SliceRequest): MessagePage {
  const total = messages.length;
  const end = Math.min(request.before ?? total, total);
  const start = Math.max(0, end - request.limit);
  return {
    start,
    end,
    total,
    items: messages.slice(start, end).map((message, k) => ({ ...message, index: start + k })),
  };
}

export function sessionHeader(session: SessionData, revision: number): SessionHeader {
  return {
    id: session.id,
    name: session.config.name,
    state: session.state,
    workspace: session.config.workspace,
    model_name: session.model_name ?? null,
    provider: session.llm_config?.provider ?? null,
    parent_id: session.parent_id ?? null,
    created_at: session.created_at,
    updated_at: session.updated_at,
    revision,
    system_prompt: session.config.system_prompt ?? null,
    total_usage: session.total_usage,
    context_usage: session.context_usage,
    total_cost: session.total_cost,
    tool_names: session.tool_names,
    tasks: session.tasks,
  };
}

/** The header and one slice of messages; a missing session is a 404. */
export async function loadConversation(store: SessionStore, id: string, request: SliceRequest): Promise<SessionView> {
  const found = await store.get(id);
  if (found === null) throw sessionNotFound(id);
  return {
    session: sessionHeader(found.session, found.revision),
    messages: sliceMessages(found.session.messages, request),
  };
}
