/**
 * The JSON bodies of the viewer's API (`/api/...`). The page under `web/` imports these types too, so the server
 * and the page cannot drift apart silently.
 */
import type { ContextUsage, Message, SessionState, SessionSummary, Task, TokenUsage } from '@agent-sessions/core';

/** Every non-2xx answer. `code` is a core error code (`SESSION_NOT_FOUND`, `STORE_UNAVAILABLE`, …) or a viewer one. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** `GET /api/info`. */
export interface ViewerInfo {
  backend: string;
  /** The store URL with its password hidden. */
  store: string;
  allowDelete: boolean;
  version: string;
}

/** A session that could not be read while the list was built (corrupt, or deleted in between). */
export interface RowProblem {
  code: string;
  message: string;
}

/** One row of the list: the store's summary plus tokens and cost, read from the document. */
export interface SessionRow extends SessionSummary {
  total_tokens: number | null;
  total_cost: number | null;
  problem: RowProblem | null;
}

/** `GET /api/sessions`. */
export interface SessionListPage {
  sessions: SessionRow[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
  /** Summaries looked at to build this page (more than `sessions.length` when a name filter skipped some). */
  scanned: number;
  /** Records the store's listing could not read; the others are listed around them. */
  unreadable: UnreadableRecord[];
}

/** A record the listing reported unreadable (listSessions' `unreadable`), without the error object. */
export interface UnreadableRecord {
  id: string | null;
  record: string;
  code: string;
  message: string;
}

/** The session without its conversation. */
export interface SessionHeader {
  id: string;
  name: string;
  state: SessionState;
  workspace: string;
  model_name: string | null;
  provider: string | null;
  parent_id: string | null;
  created_at: number;
  updated_at: number;
  revision: number;
  system_prompt: string | null;
  total_usage: TokenUsage;
  context_usage: ContextUsage;
  total_cost: number;
  tool_names: string[];
  tasks: Task[];
}

export type IndexedMessage = Message & { index: number };

/** A slice of the conversation: messages `start` to `end - 1` of `total`. */
export interface MessagePage {
  start: number;
  end: number;
  total: number;
  items: IndexedMessage[];
}

/** `GET /api/sessions/:id?before=&limit=`. */
export interface SessionView {
  session: SessionHeader;
  messages: MessagePage;
}

/** One bar of the usage chart: a turn (a user prompt and the model calls that answered it), or one model call. */
export interface UsagePoint {
  label: string;
  /** Index of the first message of the turn, or of the assistant message of the call; null when unknown. */
  message_index: number | null;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Null when no record of it carries a price. */
  cost_usd: number | null;
  cumulative_cost: number;
}

export interface ModelUsage {
  model: string;
  provider: string;
  calls: number;
  total_tokens: number;
  cost_usd: number;
  unpriced_calls: number;
}

/** `GET /api/sessions/:id/usage`. */
export interface SessionUsage {
  /** `turns` when each assistant message has its cost record, else `calls` (one point per record). */
  basis: 'turns' | 'calls';
  points: UsagePoint[];
  models: ModelUsage[];
  total_usage: TokenUsage;
  context_usage: ContextUsage;
  total_cost: number;
  records: number;
}

/** `DELETE /api/sessions/:id` (with `--allow-delete`). */
export interface DeleteResult {
  deleted: true;
  id: string;
}
