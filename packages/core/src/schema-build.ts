/**
 * How the session document's schemas are built (schema.ts exports the ones for callers' objects): the helpers
 * that keep `__proto__` keys as data and unknown keys as they were, the enums, and one set of schemas per source of
 * input.
 */
import { z } from 'zod';
import { findNonJson } from './json.js';
import { F32_OVERFLOW_MESSAGE, findTextOrNumberIssue, fitsF32, LONE_SURROGATE_MESSAGE } from './text.js';
import { chronoTimestampProblem } from './timestamp.js';

// Own `__proto__` keys are data (JSON.parse makes them so). zod copies unknown keys by assignment, which would drop
// them, so they travel under this sentinel through the object schema and are restored as own data properties.
const PROTO_SENTINEL = '\u0000agent-sessions:__proto__';

type Obj = Record<string, unknown>;

function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Input side: resolve aliases and protect `__proto__`, copying the object only when something changes. */
function prepare(input: unknown, alias?: (o: Obj) => Obj | undefined): unknown {
  if (!isPlainObject(input)) return input;
  let o: Obj = input;
  if (alias) o = alias(o) ?? o;
  if (Object.hasOwn(o, '__proto__')) {
    const copy: Obj = {};
    for (const key of Object.keys(o)) {
      if (key === '__proto__') copy[PROTO_SENTINEL] = o[key];
      else copy[key] = o[key];
    }
    o = copy;
  }
  return o;
}

interface ObjectRules {
  /** Keys a3s-code leaves out when null (`skip_serializing_if = "Option::is_none"`). */
  omitWhenNull?: readonly string[];
  /** Keys a3s-code leaves out when an empty array. */
  omitWhenEmpty?: readonly string[];
  /** Keys never kept (`api_key`, `hook_engine`). */
  drop?: readonly string[];
}

/** Output side: canonical form, plus a JSON check of unknown keys for documents that did not come from JSON text. */
function finish(
  out: Obj,
  ctx: z.core.$RefinementCtx<Obj>,
  known: ReadonlySet<string>,
  rules: ObjectRules,
  trustedJson: boolean,
): Obj {
  if (rules.omitWhenNull) for (const key of rules.omitWhenNull) if (out[key] == null) delete out[key];
  if (rules.omitWhenEmpty)
    for (const key of rules.omitWhenEmpty)
      if (Array.isArray(out[key]) && (out[key] as unknown[]).length === 0) delete out[key];
  if (rules.drop) for (const key of rules.drop) delete out[key];
  if (Object.hasOwn(out, PROTO_SENTINEL)) {
    const value = out[PROTO_SENTINEL];
    delete out[PROTO_SENTINEL];
    Object.defineProperty(out, '__proto__', { value, enumerable: true, writable: true, configurable: true });
  }
  // Unknown keys are kept and written back, so they must satisfy serde_json as well: well-formed text (keys too) and
  // finite numbers, checked on load as on save. Values that are not JSON at all only come from callers.
  for (const key of Object.keys(out)) {
    if (known.has(key)) continue;
    const bad =
      (trustedJson ? null : findNonJson(out[key], [key])) ??
      (key.isWellFormed() ? null : { path: [key], reason: `its key ${LONE_SURROGATE_MESSAGE}` }) ??
      textIssue(out[key], [key]);
    if (bad) ctx.issues.push({ code: 'custom', message: bad.reason, input: out[key], path: bad.path });
  }
  return out;
}

function textIssue(value: unknown, path: (string | number)[]): { path: (string | number)[]; reason: string } | null {
  const bad = findTextOrNumberIssue(value, path);
  return bad && { path: bad.path, reason: bad.message };
}

/**
 * The struct builder of one mode: an a3s-code struct, known fields validated, unknown fields kept (and, unless the
 * input came out of JSON.parse, checked to be JSON).
 */
function structs(trustedJson: boolean) {
  return <S extends z.core.$ZodLooseShape>(shape: S, rules: ObjectRules = {}) => {
    const known = new Set([...Object.keys(shape), ...(rules.drop ?? [])]);
    return z
      .looseObject(shape)
      .transform(
        (out, ctx) => finish(out as Obj, ctx as z.core.$RefinementCtx<Obj>, known, rules, trustedJson) as typeof out,
      );
  };
}

/** Wraps a struct (or a union of structs) so its input gets aliases resolved and `__proto__` protected. */
function input<T extends z.ZodType>(schema: T, alias?: (o: Obj) => Obj | undefined) {
  return z.preprocess((v) => prepare(v, alias), schema);
}

// ---- enums -----------------------------------------------------------------------------------------------------
/** A session's state, as a3s-code's `SessionState`. */
export const SessionStateSchema = z.enum(['Unknown', 'Active', 'Paused', 'Completed', 'Error']);
/** A3s-code's queue lanes. */
export const LaneSchema = z.enum(['Control', 'Query', 'Execute', 'Generate']);
/** `config.storage_type`: where a3s-code keeps the session. */
export const StorageTypeSchema = z.enum(['memory', 'file', 'custom']);
/** `config.planning_mode` (a3s-code's default is `Auto`). */
export const PlanningModeSchema = z.enum(['Auto', 'Disabled', 'Enabled']);
/** A task's status. */
export const TaskStatusSchema = z.enum(['pending', 'in_progress', 'completed', 'failed', 'skipped', 'cancelled']);
/** A task's priority. */
export const TaskPrioritySchema = z.enum(['high', 'medium', 'low']);
/** `ToolResultTrustV1` (snake_case). a3s-code omits it for `workspace_data`, its default; we keep what was read. */
export const ToolResultTrustSchema = z.enum(['trusted', 'workspace_data', 'external']);

/** A3s-code's data sensitivity levels. */
export const SensitivityLevelSchema = z.enum(['Public', 'Normal', 'Sensitive', 'HighlySensitive', 'Critical']);

function renameKey(o: Obj, from: string, to: string): Obj {
  const copy: Obj = {};
  // Defined, not assigned: an own `__proto__` key is data, and assignment would call the prototype setter instead.
  for (const key of Object.keys(o))
    Object.defineProperty(copy, key === from ? to : key, {
      value: o[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

/**
 * Every schema of the document, for one source of input. `trustedJson`: the value came out of JSON.parse (stored
 * data), so the per-key JSON check of unknown keys is skipped and an f32 past its range is read as a3s-code reads
 * it; otherwise (a caller's object) both are checked. Built once per mode (see CALLER and STORED below).
 */
function buildSchemas(trustedJson: boolean) {
  const struct = structs(trustedJson);
  // ---- scalars -------------------------------------------------------------------------------------------------
  /** A Rust `String`: any well-formed text (serde_json refuses lone surrogates). */
  const text = z.string().refine((s) => s.isWellFormed(), LONE_SURROGATE_MESSAGE);
  /** Unsigned integer (u32/u64/usize): a JSON integer ≥ 0 that a JS number holds exactly. */
  const uint = z.number().int().nonnegative();
  const u32 = uint.max(4_294_967_295);
  /** Signed integer (i64): exact in a JS number. */
  const int = z.number().int();
  /** f64: any finite number; integers are accepted (serde writes `0.0`, JSON.stringify writes `0`). */
  const float = z.number();
  /**
   * f32: serde casts the f64 it parsed, so a value past ±3.4e38 reads as infinity and is then written as `null`, which
   * a3s-code cannot read back. a3s-code reads such a file, so a load accepts it; a save refuses it.
   */
  const f32 = z.number().refine((v) => trustedJson || fitsF32(v), F32_OVERFLOW_MESSAGE);
  /** Arbitrary JSON (`tool_use.input`): kept by reference, checked for values JSON cannot hold. */
  const jsonValue = z.unknown().superRefine((value, ctx) => {
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is required (any JSON value; use {} for no input)' });
      return;
    }
    const bad = (trustedJson ? null : findNonJson(value)) ?? textIssue(value, []);
    if (bad) ctx.addIssue({ code: 'custom', message: bad.reason, path: bad.path });
  });

  // ---- content ---------------------------------------------------------------------------------------------------
  /** An image content block's source: base64 data and its media type. */
  const ImageSourceSchema = input(struct({ type: z.literal('base64'), media_type: text, data: text }));

  const TextBlock = struct({ type: z.literal('text'), text: text });
  const ImageBlock = struct({ type: z.literal('image'), source: ImageSourceSchema });
  const ToolUseBlock = struct({ type: z.literal('tool_use'), id: text, name: text, input: jsonValue });
  const ToolResultContentBlock = input(z.discriminatedUnion('type', [TextBlock, ImageBlock]));
  const ToolResultBlock = struct({
    type: z.literal('tool_result'),
    tool_use_id: text,
    content: z.union([text, z.array(ToolResultContentBlock)]),
    is_error: z.boolean().nullable().default(null),
    trust: ToolResultTrustSchema.optional(),
    redaction_reviewed: z.boolean().optional(),
  });
  /** One block of a message's content: text, image, tool use, tool result or reasoning. */
  const ContentBlockSchema = input(
    z.discriminatedUnion('type', [TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock]),
  );

  /** One message of the conversation: a role and its content blocks. */
  const MessageSchema = input(
    struct(
      { role: text, content: z.array(ContentBlockSchema), reasoning_content: text.nullish() },
      { omitWhenNull: ['reasoning_content'] },
    ),
  );

  // ---- tasks and costs -------------------------------------------------------------------------------------------
  /** One task of the session's task list (older files' `todos` are read as tasks). */
  const TaskSchema = input(
    struct(
      {
        id: text,
        content: text,
        status: TaskStatusSchema,
        priority: TaskPrioritySchema.default('medium'),
        tool: text.nullish(),
        dependencies: z.array(text).optional(),
        success_criteria: text.nullish(),
      },
      { omitWhenNull: ['tool', 'success_criteria', 'dependencies'], omitWhenEmpty: ['dependencies'] },
    ),
    (o) =>
      o.content === undefined && o.description !== undefined ? renameKey(o, 'description', 'content') : undefined,
  );

  /**
   * `chrono::DateTime<Utc>`: what chrono's relaxed RFC 3339 parser reads (any offset, any number of fraction digits),
   * real dates only. Kept as written; a3s-code itself writes `...Z` with 0, 3, 6 or 9 fraction digits.
   */
  const chronoTimestamp = text.superRefine((value, ctx) => {
    const problem = chronoTimestampProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `${problem}; a3s-code (chrono) cannot read it` });
  });

  /** One LLM call's usage and cost, with its RFC 3339 timestamp. */
  const LlmCostRecordSchema = input(
    struct({
      model: text,
      provider: text,
      prompt_tokens: uint,
      completion_tokens: uint,
      total_tokens: uint,
      cost_usd: float.nullable().default(null),
      timestamp: chronoTimestamp,
      session_id: text.nullable().default(null),
    }),
  );

  // ---- config ----------------------------------------------------------------------------------------------------
  const LaneHandlerSchema = input(struct({ mode: z.enum(['Internal', 'External', 'Hybrid']), timeout_ms: uint }));

  /** `config.queue_config`: a3s-code's lane queue settings. */
  const SessionQueueConfigSchema = input(
    struct({
      controlMaxConcurrency: uint.default(4),
      queryMaxConcurrency: uint.default(12),
      executeMaxConcurrency: uint.default(4),
      generateMaxConcurrency: uint.default(2),
      laneHandlers: z.partialRecord(LaneSchema, LaneHandlerSchema).default({}),
      enableDlq: z.boolean().default(false),
      dlqMaxSize: uint.nullable().default(null),
      enableMetrics: z.boolean().default(false),
      enableAlerts: z.boolean().default(false),
      defaultTimeoutMs: uint.nullable().default(null),
      storagePath: text.nullable().default(null),
      retryPolicy: input(
        struct({
          strategy: text,
          maxRetries: uint.default(3),
          initialDelayMs: uint.default(100),
          fixedDelayMs: uint.nullable().default(null),
        }),
      )
        .nullable()
        .default(null),
      rateLimit: input(struct({ limitType: text, maxOperations: uint.nullable().default(null) }))
        .nullable()
        .default(null),
      priorityBoost: input(struct({ strategy: text, deadlineMs: uint.nullable().default(null) }))
        .nullable()
        .default(null),
      pressureThreshold: float.nullable().default(null),
      laneTimeouts: z.partialRecord(LaneSchema, uint).default({}),
    }),
  );

  /** `config.confirmation_policy`: when a3s-code asks before running a tool. */
  const ConfirmationPolicySchema = input(
    struct({
      enabled: z.boolean(),
      default_timeout_ms: uint,
      timeout_action: z.enum(['Reject', 'AutoApprove']),
      yolo_lanes: z.array(LaneSchema),
    }),
  );

  /**
   * a3s-code reads a rule as a plain string (`"bash"`) or as `{ "rule": "bash" }` (an untagged enum) and writes the
   * object form. Both forms are kept as read, so a file keeps its own spelling.
   */
  const PermissionRuleSchema = z.union([text, input(struct({ rule: text }))]);
  /** `config.permission_policy`: allow, deny and ask rules (plain strings or `{ rule }` objects, kept as read). */
  const PermissionPolicySchema = input(
    struct({
      deny: z.array(PermissionRuleSchema).default([]),
      allow: z.array(PermissionRuleSchema).default([]),
      ask: z.array(PermissionRuleSchema).default([]),
      default_decision: z.enum(['allow', 'deny', 'ask']).default('ask'),
      enabled: z.boolean().default(true),
    }),
  );

  /** `config.security_config`: classification rules and redaction. */
  const SecurityConfigSchema = input(
    struct({
      enabled: z.boolean(),
      classification_rules: z.array(
        input(struct({ name: text, pattern: text, level: SensitivityLevelSchema, description: text })),
      ),
      redaction_strategy: z.enum(['Mask', 'Remove', 'Hash']),
      network_whitelist: z.array(text),
      dangerous_commands: z.array(text),
      features: input(
        struct({
          output_sanitizer: z.boolean(),
          taint_tracking: z.boolean(),
          tool_interceptor: z.boolean(),
          injection_defense: z.boolean(),
        }),
      ),
    }),
  );

  /**
   * `ToolResultTransformPolicyV1`: `#[serde(deny_unknown_fields)]`, all seven keys required when present. a3s-code
   * fills its conservative default when the key is absent; we leave it absent (the host pins a policy, we do not).
   */
  const ToolResultTransformPolicySchema = z.strictObject({
    schema: text,
    max_output_bytes: uint,
    head_bytes: uint,
    tail_bytes: uint,
    fold_repeated_lines: z.boolean(),
    repeated_line_threshold: uint,
    structured_sample_items: uint,
  });

  /** `config`: the session's name, workspace, prompt, limits and policies. */
  const SessionConfigSchema = input(
    struct(
      {
        name: text,
        workspace: text,
        system_prompt: text.nullable().default(null),
        max_context_length: u32,
        auto_compact: z.boolean(),
        auto_compact_threshold: f32.default(0.8),
        storage_type: StorageTypeSchema.default('file'),
        queue_config: SessionQueueConfigSchema.nullish(),
        confirmation_policy: ConfirmationPolicySchema.nullish(),
        permission_policy: PermissionPolicySchema.nullish(),
        // Newer a3s-code: omitted when false; kept as read.
        enforce_active_skill_tool_restrictions: z.boolean().optional(),
        max_parallel_tasks: uint.nullish(),
        parent_id: text.nullish(),
        security_config: SecurityConfigSchema.nullish(),
        planning_mode: PlanningModeSchema.default('Auto'),
        // Older a3s-code's `planning_enabled: bool`. Today's a3s-code ignores it and reads `planning_mode` (default
        // Auto), so it is kept exactly as read and nothing is derived from it.
        planning_enabled: z.boolean().optional(),
        goal_tracking: z.boolean().default(false),
        tool_result_transform_policy: ToolResultTransformPolicySchema.optional(),
      },
      {
        omitWhenNull: [
          'queue_config',
          'confirmation_policy',
          'permission_policy',
          'max_parallel_tasks',
          'parent_id',
          'security_config',
        ],
        // hook_engine is runtime-only in a3s-code: never written, ignored on read.
        drop: ['hook_engine'],
      },
    ),
  );

  /** `llm_config`: provider and model (`api_key` is dropped and never stored). */
  const LlmConfigSchema = input(
    struct(
      { provider: text, model: text, base_url: text.nullable().default(null) },
      // The API key is a secret: accepted on read (a3s-code may hold one in memory), never stored, never returned.
      { drop: ['api_key'] },
    ),
  );

  /** `context_usage`: tokens of the context window in use. */
  const ContextUsageSchema = input(struct({ used_tokens: uint, max_tokens: uint, percent: f32, turns: uint }));
  /** `total_usage`: tokens used over the session. */
  const TokenUsageSchema = input(
    struct({
      prompt_tokens: uint,
      completion_tokens: uint,
      total_tokens: uint,
      cache_read_tokens: uint.nullable().default(null),
      cache_write_tokens: uint.nullable().default(null),
    }),
  );

  // ---- the document ----------------------------------------------------------------------------------------------
  /** The whole session document, as a3s-code writes it; parsing gives the canonical form. */
  const SessionDataSchema = input(
    struct(
      {
        // Checked by assertValidSessionId (InvalidSessionIdError), lone surrogates included.
        id: z.string(),
        config: SessionConfigSchema,
        state: SessionStateSchema,
        messages: z.array(MessageSchema),
        context_usage: ContextUsageSchema,
        total_usage: TokenUsageSchema,
        total_cost: float.default(0),
        model_name: text.nullish(),
        cost_records: z.array(LlmCostRecordSchema).default([]),
        tool_names: z.array(text),
        thinking_enabled: z.boolean(),
        thinking_budget: uint.nullable().default(null),
        created_at: int,
        updated_at: int,
        llm_config: LlmConfigSchema.nullish(),
        tasks: z.array(TaskSchema).default([]),
        parent_id: text.nullish(),
        // Newer a3s-code: opaque host identities, omitted when None.
        tenant_id: text.nullish(),
        principal: text.nullish(),
        agent_template_id: text.nullish(),
        correlation_id: text.nullish(),
      },
      {
        omitWhenNull: [
          'model_name',
          'llm_config',
          'parent_id',
          'tenant_id',
          'principal',
          'agent_template_id',
          'correlation_id',
        ],
      },
    ),
    // Older a3s-code called the task list `todos`.
    (o) => (o.tasks === undefined && o.todos !== undefined ? renameKey(o, 'todos', 'tasks') : undefined),
  );

  return {
    ImageSourceSchema,
    ContentBlockSchema,
    MessageSchema,
    TaskSchema,
    LlmCostRecordSchema,
    SessionQueueConfigSchema,
    ConfirmationPolicySchema,
    PermissionPolicySchema,
    SecurityConfigSchema,
    ToolResultTransformPolicySchema,
    SessionConfigSchema,
    LlmConfigSchema,
    ContextUsageSchema,
    TokenUsageSchema,
    SessionDataSchema,
  };
}

/** For a caller's own objects (save, appendMessages): every value checked to be JSON. */
export const CALLER = buildSchemas(false);
/** For values JSON.parse returned (what stores read): the JSON checks skipped, an f32 past its range accepted. */
export const STORED = buildSchemas(true);
