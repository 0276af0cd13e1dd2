import { randomUUID } from 'node:crypto';
import { parseSession } from './codec.js';
import type { SessionConfig, SessionData } from './schema.js';

/** Options of `createSession`; all optional. */
export interface NewSessionOptions {
  /** Default: a random UUID. */
  id?: string;
  /** Default: "New session". */
  name?: string;
  /** Default: the current working directory. */
  workspace?: string;
  /** The system prompt. Default null. */
  systemPrompt?: string | null;
  /** Default: 200000. */
  maxContextLength?: number;
  /** The model, kept as the document's `model_name`. */
  model?: string;
  /** The parent session's id (`parent_id`). */
  parentId?: string;
  /** The document's `tool_names`. Default []. */
  toolNames?: string[];
  /** Unix seconds. Default: now. */
  now?: number;
  /** Further config fields, merged over the defaults. */
  config?: Partial<SessionConfig>;
}

/** Unix seconds, the unit of `created_at` and `updated_at`. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A new session document in canonical form, with the defaults a3s-code uses, ready to save. */
export function createSession(options: NewSessionOptions = {}): SessionData {
  const now = options.now ?? nowSeconds();
  const maxContext = options.maxContextLength ?? 200_000;
  return parseSession({
    id: options.id ?? randomUUID(),
    config: {
      name: options.name ?? 'New session',
      workspace: options.workspace ?? process.cwd(),
      system_prompt: options.systemPrompt ?? null,
      max_context_length: maxContext,
      auto_compact: false,
      auto_compact_threshold: 0.8,
      storage_type: 'file',
      ...(options.parentId === undefined ? {} : { parent_id: options.parentId }),
      planning_mode: 'Auto',
      goal_tracking: false,
      ...options.config,
    },
    state: 'Active',
    messages: [],
    context_usage: { used_tokens: 0, max_tokens: maxContext, percent: 0, turns: 0 },
    total_usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      cache_read_tokens: null,
      cache_write_tokens: null,
    },
    total_cost: 0,
    ...(options.model === undefined ? {} : { model_name: options.model }),
    cost_records: [],
    tool_names: options.toolNames ?? [],
    thinking_enabled: false,
    thinking_budget: null,
    created_at: now,
    updated_at: now,
    tasks: [],
    ...(options.parentId === undefined ? {} : { parent_id: options.parentId }),
  });
}
