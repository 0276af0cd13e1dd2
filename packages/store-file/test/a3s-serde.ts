/**
 * A strict reader of session files built by hand from a3s-code's serde types (A3S-Lab/Code), one rule set per
 * a3s-code version, independent of our zod schema: what serde_json would refuse, this reports with the field path.
 *
 * - `store-rs-era`: `core/src/store.rs` SessionData with `core/src/session.rs` SessionConfig (`planning_enabled`),
 *   tool results without trust, permission rules as `{rule}` objects; bare SessionData in `<dir>/<safe_id>.json`.
 * - `session-data-v1`: `core/src/store/session_data.rs` (tool_result_transform_policy, tenant_id, principal, ...),
 *   `core/src/llm/types.rs` (ToolResultTrustV1, redaction_reviewed), `permissions/rule.rs` (string or `{rule}`),
 *   `SessionSnapshotV1` envelopes in `v1/sessions/id_<base64url>.json`.
 *
 * serde rules applied: a field without `default` is required unless it is an `Option` (serde reads a missing Option
 * as None); `Option` accepts null; `Vec` and structs refuse null; integers must be integers in range (usize/u64 ≥ 0,
 * u32 ≤ 2^32-1); f32 must not overflow; strings must be well-formed; enums are exact; unknown keys are ignored
 * except in `deny_unknown_fields` structs (ToolResultTransformPolicyV1).
 */

export type A3sVersion = 'store-rs-era' | 'session-data-v1';

type Rule = (value: unknown, path: string, errors: string[]) => void;

const fail = (errors: string[], path: string, what: string) => errors.push(`${path || '(document)'}: ${what}`);

const str: Rule = (v, p, e) => {
  if (typeof v !== 'string') fail(e, p, 'expected a string');
  else if (!v.isWellFormed()) fail(e, p, 'lone surrogate');
};
const bool: Rule = (v, p, e) => {
  if (typeof v !== 'boolean') fail(e, p, 'expected a boolean');
};
const int =
  (min: number, max: number): Rule =>
  (v, p, e) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      fail(e, p, `expected an integer ${min}..${max}`);
  };
const usize = int(0, Number.MAX_SAFE_INTEGER);
const u32 = int(0, 4_294_967_295);
const i64 = int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
const f64: Rule = (v, p, e) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(e, p, 'expected a finite f64');
};
const f32: Rule = (v, p, e) => {
  if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) fail(e, p, 'expected a number that fits an f32');
};
const oneOf =
  (...values: string[]): Rule =>
  (v, p, e) => {
    if (typeof v !== 'string' || !values.includes(v)) fail(e, p, `expected one of ${values.join(', ')}`);
  };
const option =
  (rule: Rule): Rule =>
  (v, p, e) => {
    if (v !== null && v !== undefined) rule(v, p, e);
  };
const vec =
  (rule: Rule): Rule =>
  (v, p, e) => {
    if (!Array.isArray(v)) return fail(e, p, 'expected an array');
    v.forEach((item, i) => {
      rule(item, `${p}[${i}]`, e);
    });
  };
const map =
  (keys: string[], rule: Rule): Rule =>
  (v, p, e) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(e, p, 'expected an object');
    for (const [k, item] of Object.entries(v)) {
      if (!keys.includes(k)) fail(e, `${p}.${k}`, `unknown map key (expected ${keys.join(', ')})`);
      rule(item, `${p}.${k}`, e);
    }
  };
/** Any serde_json::Value: finite numbers, well-formed strings and keys. */
const anyJson: Rule = (v, p, e) => {
  if (typeof v === 'string') return str(v, p, e);
  if (typeof v === 'number') return f64(v, p, e);
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      anyJson(item, `${p}[${i}]`, e);
    });
    return;
  }
  if (typeof v === 'object' && v !== null)
    for (const [k, item] of Object.entries(v)) {
      if (!k.isWellFormed()) fail(e, `${p}.${k}`, 'lone surrogate in a key');
      anyJson(item, `${p}.${k}`, e);
    }
};

interface Field {
  rule: Rule;
  /** `#[serde(default)]` or an Option: may be absent. */
  optional?: boolean;
  alias?: string;
}
const req = (rule: Rule): Field => ({ rule });
const def = (rule: Rule): Field => ({ rule, optional: true });
const opt = (rule: Rule): Field => ({ rule: option(rule), optional: true });

function struct(fields: Record<string, Field>, denyUnknown = false): Rule {
  return (v, p, e) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(e, p, 'expected an object');
    const o = v as Record<string, unknown>;
    for (const [name, field] of Object.entries(fields)) {
      const key = name in o ? name : field.alias !== undefined && field.alias in o ? field.alias : null;
      const at = p === '' ? name : `${p}.${name}`;
      if (key === null) {
        if (!field.optional) fail(e, at, 'missing field');
        continue;
      }
      field.rule(o[key], p === '' ? key : `${p}.${key}`, e);
    }
    for (const key of Object.keys(o)) {
      if (!key.isWellFormed()) fail(e, `${p}.${key}`, 'lone surrogate in a key');
      const known = key in fields || Object.values(fields).some((f) => f.alias === key);
      if (known) continue;
      if (denyUnknown) fail(e, p === '' ? key : `${p}.${key}`, 'unknown field (deny_unknown_fields)');
      // serde ignores it; serde_json still had to parse it.
      else anyJson(o[key], p === '' ? key : `${p}.${key}`, e);
    }
  };
}

/** `#[serde(tag = "type")]`: an unknown tag fails the whole file. */
function tagged(variants: Record<string, Rule>): Rule {
  return (v, p, e) => {
    const tag = (v as { type?: unknown } | null)?.type;
    const rule = typeof tag === 'string' ? variants[tag] : undefined;
    if (rule === undefined)
      return fail(e, `${p}.type`, `unknown variant (expected ${Object.keys(variants).join(', ')})`);
    rule(v, p, e);
  };
}

const imageSource = struct({ type: req(str), media_type: req(str), data: req(str) });
const textBlock = struct({ type: req(str), text: req(str) });
const imageBlock = struct({ type: req(str), source: req(imageSource) });
const resultPart = tagged({ text: textBlock, image: imageBlock });
const resultContent: Rule = (v, p, e) => (typeof v === 'string' ? str(v, p, e) : vec(resultPart)(v, p, e));

function message(version: A3sVersion): Rule {
  const toolResult: Record<string, Field> = {
    type: req(str),
    tool_use_id: req(str),
    content: req(resultContent),
    is_error: opt(bool),
  };
  if (version === 'session-data-v1') {
    toolResult.trust = def(oneOf('trusted', 'workspace_data', 'external'));
    toolResult.redaction_reviewed = def(bool);
  }
  const block = tagged({
    text: textBlock,
    image: imageBlock,
    tool_use: struct({ type: req(str), id: req(str), name: req(str), input: req(anyJson) }),
    tool_result: struct(toolResult),
  });
  return struct({ role: req(str), content: req(vec(block)), reasoning_content: opt(str) });
}

const lane = oneOf('Control', 'Query', 'Execute', 'Generate');
const lanes = ['Control', 'Query', 'Execute', 'Generate'];
const queueConfig = struct({
  controlMaxConcurrency: def(usize),
  queryMaxConcurrency: def(usize),
  executeMaxConcurrency: def(usize),
  generateMaxConcurrency: def(usize),
  laneHandlers: def(map(lanes, struct({ mode: req(oneOf('Internal', 'External', 'Hybrid')), timeout_ms: req(usize) }))),
  enableDlq: def(bool),
  dlqMaxSize: opt(usize),
  enableMetrics: def(bool),
  enableAlerts: def(bool),
  defaultTimeoutMs: opt(usize),
  storagePath: opt(str),
  retryPolicy: opt(
    struct({ strategy: req(str), maxRetries: def(usize), initialDelayMs: def(usize), fixedDelayMs: opt(usize) }),
  ),
  rateLimit: opt(struct({ limitType: req(str), maxOperations: opt(usize) })),
  priorityBoost: opt(struct({ strategy: req(str), deadlineMs: opt(usize) })),
  pressureThreshold: opt(f64),
  laneTimeouts: def(map(lanes, usize)),
});
const confirmation = struct({
  enabled: req(bool),
  default_timeout_ms: req(usize),
  timeout_action: req(oneOf('Reject', 'AutoApprove')),
  yolo_lanes: req(vec(lane)),
});
const ruleObject = struct({ rule: req(str) });
/** `PermissionRule`: the old derive read `{rule}` only; rule.rs reads a plain string too (untagged). */
const permissionRule =
  (version: A3sVersion): Rule =>
  (v, p, e) =>
    version === 'session-data-v1' && typeof v === 'string' ? str(v, p, e) : ruleObject(v, p, e);
const permissionPolicy = (version: A3sVersion) =>
  struct({
    deny: def(vec(permissionRule(version))),
    allow: def(vec(permissionRule(version))),
    ask: def(vec(permissionRule(version))),
    default_decision: def(oneOf('allow', 'deny', 'ask')),
    enabled: def(bool),
  });
const security = struct({
  enabled: req(bool),
  classification_rules: req(
    vec(
      struct({
        name: req(str),
        pattern: req(str),
        level: req(oneOf('Public', 'Normal', 'Sensitive', 'HighlySensitive', 'Critical')),
        description: req(str),
      }),
    ),
  ),
  redaction_strategy: req(oneOf('Mask', 'Remove', 'Hash')),
  network_whitelist: req(vec(str)),
  dangerous_commands: req(vec(str)),
  features: req(
    struct({
      output_sanitizer: req(bool),
      taint_tracking: req(bool),
      tool_interceptor: req(bool),
      injection_defense: req(bool),
    }),
  ),
});
const transformPolicy = struct(
  {
    schema: req(str),
    max_output_bytes: req(usize),
    head_bytes: req(usize),
    tail_bytes: req(usize),
    fold_repeated_lines: req(bool),
    repeated_line_threshold: req(usize),
    structured_sample_items: req(usize),
  },
  true,
);

/** chrono's `DateTime<Utc>` in the form a3s-code writes and the forms people write: a real date and an offset. */
const timestamp: Rule = (v, p, e) => {
  if (typeof v !== 'string') return fail(e, p, 'expected a timestamp string');
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/.exec(v);
  if (!m) return fail(e, p, 'not an RFC 3339 timestamp');
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as number[];
  const date = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, Math.min(s as number, 59)));
  if (date.getUTCDate() !== d || date.getUTCMonth() !== (mo as number) - 1 || (h as number) > 23 || (s as number) > 60)
    fail(e, p, 'not a real date and time');
  if (m[9] !== undefined && Number(m[9]) > 23) fail(e, p, 'offset of a day or more');
};
const costRecord = struct({
  model: req(str),
  provider: req(str),
  prompt_tokens: req(usize),
  completion_tokens: req(usize),
  total_tokens: req(usize),
  cost_usd: opt(f64),
  timestamp: req(timestamp),
  session_id: opt(str),
});
const task = struct({
  id: req(str),
  content: { rule: str, alias: 'description' },
  status: req(oneOf('pending', 'in_progress', 'completed', 'failed', 'skipped', 'cancelled')),
  priority: def(oneOf('high', 'medium', 'low')),
  tool: opt(str),
  dependencies: def(vec(str)),
  success_criteria: opt(str),
});

function sessionConfig(version: A3sVersion): Rule {
  const fields: Record<string, Field> = {
    name: req(str),
    workspace: req(str),
    system_prompt: opt(str),
    max_context_length: req(u32),
    auto_compact: req(bool),
    auto_compact_threshold: def(f32),
    storage_type: def(oneOf('memory', 'file', 'custom')),
    queue_config: opt(queueConfig),
    confirmation_policy: opt(confirmation),
    permission_policy: opt(permissionPolicy(version)),
    parent_id: opt(str),
    security_config: opt(security),
    goal_tracking: def(bool),
  };
  if (version === 'store-rs-era') fields.planning_enabled = def(bool);
  else {
    fields.planning_mode = def(oneOf('Auto', 'Disabled', 'Enabled'));
    fields.enforce_active_skill_tool_restrictions = def(bool);
    fields.max_parallel_tasks = opt(usize);
    fields.tool_result_transform_policy = def(transformPolicy);
  }
  return struct(fields);
}

export function sessionDataRule(version: A3sVersion): Rule {
  const fields: Record<string, Field> = {
    id: req(str),
    config: req(sessionConfig(version)),
    state: req(oneOf('Unknown', 'Active', 'Paused', 'Completed', 'Error')),
    messages: req(vec(message(version))),
    context_usage: req(
      struct({ used_tokens: req(usize), max_tokens: req(usize), percent: req(f32), turns: req(usize) }),
    ),
    total_usage: req(
      struct({
        prompt_tokens: req(usize),
        completion_tokens: req(usize),
        total_tokens: req(usize),
        cache_read_tokens: opt(usize),
        cache_write_tokens: opt(usize),
      }),
    ),
    total_cost: def(f64),
    model_name: opt(str),
    cost_records: def(vec(costRecord)),
    tool_names: req(vec(str)),
    thinking_enabled: req(bool),
    thinking_budget: opt(usize),
    created_at: req(i64),
    updated_at: req(i64),
    llm_config: opt(struct({ provider: req(str), model: req(str), api_key: opt(str), base_url: opt(str) })),
    tasks: { rule: vec(task), optional: true, alias: 'todos' },
    parent_id: opt(str),
  };
  if (version === 'session-data-v1')
    for (const key of ['tenant_id', 'principal', 'agent_template_id', 'correlation_id']) fields[key] = opt(str);
  return struct(fields);
}

const envelopeRule = (version: A3sVersion): Rule =>
  struct({
    schema_version: req((v, p, e) => (v === 1 ? undefined : fail(e, p, 'unsupported snapshot schema version'))),
    session: req(sessionDataRule(version)),
    artifacts: def(vec(anyJson)),
    retained_artifact_uris: def(vec(str)),
    trace_events: def(vec(anyJson)),
    run_records: def(vec(anyJson)),
    verification_reports: def(vec(anyJson)),
    subagent_tasks: def(vec(anyJson)),
  });

/**
 * What a3s-code of `version` says of one session file's text: the errors serde would raise (empty when it reads
 * it) and the session it holds. Envelopes are read by session-data-v1 only (an older a3s-code knows none).
 */
export function checkA3sFile(text: string, version: A3sVersion): { errors: string[]; session: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { errors: [`not JSON: ${(error as Error).message}`], session: null };
  }
  const errors: string[] = [];
  if (/"api_key"/.test(text)) errors.push('api_key is stored (a3s-code never writes it)');
  const isEnvelope = typeof value === 'object' && value !== null && ('schema_version' in value || 'session' in value);
  if (isEnvelope && version === 'session-data-v1') {
    envelopeRule(version)(value, '', errors);
    return { errors, session: (value as { session?: unknown }).session ?? null };
  }
  sessionDataRule(version)(value, '', errors);
  return { errors, session: value };
}
