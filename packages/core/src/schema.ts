/**
 * The session document: exactly the a3s-code wire format (see wire-format.md), snake_case names included.
 * This one zod schema is the source of the TypeScript types. Parsing yields the canonical form:
 * aliases resolved, read defaults filled, keys that a3s-code omits when empty absent, `api_key` removed,
 * unknown keys kept as they were (a newer a3s-code file survives a load and save).
 */

import type { z } from 'zod';
import { CALLER, type LaneSchema, type SessionStateSchema, type ToolResultTrustSchema } from './schema-build.js';

export {
  LaneSchema,
  PlanningModeSchema,
  SensitivityLevelSchema,
  SessionStateSchema,
  StorageTypeSchema,
  TaskPrioritySchema,
  TaskStatusSchema,
  ToolResultTrustSchema,
} from './schema-build.js';

/** An image content block's source: base64 data and its media type. */
export const ImageSourceSchema = CALLER.ImageSourceSchema;

/** One block of a message's content: text, image, tool use, tool result or reasoning. */
export const ContentBlockSchema = CALLER.ContentBlockSchema;

/** One message of the conversation: a role and its content blocks. */
export const MessageSchema = CALLER.MessageSchema;

/** One task of the session's task list (older files' `todos` are read as tasks). */
export const TaskSchema = CALLER.TaskSchema;

/** One LLM call's usage and cost, with its RFC 3339 timestamp. */
export const LlmCostRecordSchema = CALLER.LlmCostRecordSchema;

/** `config.queue_config`: a3s-code's lane queue settings. */
export const SessionQueueConfigSchema = CALLER.SessionQueueConfigSchema;

/** `config.confirmation_policy`: when a3s-code asks before running a tool. */
export const ConfirmationPolicySchema = CALLER.ConfirmationPolicySchema;

/** `config.permission_policy`: allow, deny and ask rules (plain strings or `{ rule }` objects, kept as read). */
export const PermissionPolicySchema = CALLER.PermissionPolicySchema;

/** `config.security_config`: classification rules and redaction. */
export const SecurityConfigSchema = CALLER.SecurityConfigSchema;

/**
 * `ToolResultTransformPolicyV1`: `#[serde(deny_unknown_fields)]`, all seven keys required when present. a3s-code
 * fills its conservative default when the key is absent; we leave it absent (the host pins a policy, we do not).
 */
export const ToolResultTransformPolicySchema = CALLER.ToolResultTransformPolicySchema;

/** `config`: the session's name, workspace, prompt, limits and policies. */
export const SessionConfigSchema = CALLER.SessionConfigSchema;

/** `llm_config`: provider and model (`api_key` is dropped and never stored). */
export const LlmConfigSchema = CALLER.LlmConfigSchema;

/** `context_usage`: tokens of the context window in use. */
export const ContextUsageSchema = CALLER.ContextUsageSchema;

/** `total_usage`: tokens used over the session. */
export const TokenUsageSchema = CALLER.TokenUsageSchema;

/** The whole session document, as a3s-code writes it; parsing gives the canonical form. */
export const SessionDataSchema = CALLER.SessionDataSchema;

/** The session document as `load` returns it (canonical form). */
export type SessionData = z.output<typeof SessionDataSchema>;
/** The session's `config`. */
export type SessionConfig = z.output<typeof SessionConfigSchema>;
/** One message of the conversation. */
export type Message = z.output<typeof MessageSchema>;
/** One block of a message's content. */
export type ContentBlock = z.output<typeof ContentBlockSchema>;
/** One task of the session. */
export type Task = z.output<typeof TaskSchema>;
/** One LLM call's usage and cost. */
export type LlmCostRecord = z.output<typeof LlmCostRecordSchema>;
/** A session's state. */
export type SessionState = z.output<typeof SessionStateSchema>;
/** A queue lane. */
export type Lane = z.output<typeof LaneSchema>;
/** Tokens of the context window in use. */
export type ContextUsage = z.output<typeof ContextUsageSchema>;
/** Tokens used over the session. */
export type TokenUsage = z.output<typeof TokenUsageSchema>;
/** Provider and model of the session. */
export type LlmConfig = z.output<typeof LlmConfigSchema>;
/** How far a tool result is trusted. */
export type ToolResultTrust = z.output<typeof ToolResultTrustSchema>;
/** `config.tool_result_transform_policy`. */
export type ToolResultTransformPolicy = z.output<typeof ToolResultTransformPolicySchema>;
