/** fast-check arbitraries for canonical session documents with arbitrary JSON where the format allows it. */
import fc from 'fast-check';
import type { JsonValue } from '../json.js';
import type { SessionData } from '../schema.js';
import { makeSession } from './data.js';

/** JSON values as they survive JSON.stringify/parse exactly: no -0, no integers JSON.parse would round. */
export const exactJson: fc.Arbitrary<JsonValue> = fc
  .jsonValue({ maxDepth: 4 })
  .map(
    (v) =>
      JSON.parse(JSON.stringify(v), (_k, x) =>
        typeof x === 'number' && Number.isInteger(x) && !Number.isSafeInteger(x) ? 0.5 : x,
      ) as JsonValue,
  );

// Keys the schema knows or resolves as aliases: an unknown key must not be one of them.
const RESERVED = new Set([
  'id',
  'config',
  'state',
  'messages',
  'context_usage',
  'total_usage',
  'total_cost',
  'model_name',
  'cost_records',
  'tool_names',
  'thinking_enabled',
  'thinking_budget',
  'created_at',
  'updated_at',
  'llm_config',
  'tasks',
  'parent_id',
  'todos',
  'name',
  'workspace',
  'system_prompt',
  'max_context_length',
  'auto_compact',
  'auto_compact_threshold',
  'storage_type',
  'queue_config',
  'confirmation_policy',
  'permission_policy',
  'security_config',
  'hook_engine',
  'planning_mode',
  'planning_enabled',
  'goal_tracking',
  'role',
  'content',
  'reasoning_content',
  'type',
  'text',
  'source',
  'input',
  'tool_use_id',
  'is_error',
  'api_key',
  // modelled since a3s-code's session_data.rs and llm/types.rs of 2026: a random value there may be refused
  'trust',
  'redaction_reviewed',
  'tenant_id',
  'principal',
  'agent_template_id',
  'correlation_id',
  'tool_result_transform_policy',
  'max_parallel_tasks',
  'enforce_active_skill_tool_restrictions',
]);

const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !RESERVED.has(k));
const extras = fc.dictionary(unknownKey, exactJson, { maxKeys: 3 });
const text = fc.string({ unit: 'grapheme', maxLength: 40 });

const block = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text }),
  fc.record({
    type: fc.constant('tool_use' as const),
    id: fc.string({ maxLength: 8 }),
    name: fc.string({ maxLength: 8 }),
    input: exactJson,
  }),
  fc.record({
    type: fc.constant('tool_result' as const),
    tool_use_id: fc.string({ maxLength: 8 }),
    content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text' as const), text }), { maxLength: 2 })),
    is_error: fc.constantFrom(true, false, null),
  }),
);

const message = fc
  .record({
    role: fc.constantFrom('user', 'assistant'),
    content: fc.array(fc.tuple(block, extras), { maxLength: 3 }),
    extra: extras,
  })
  .map(({ role, content, extra }) => ({ ...extra, role, content: content.map(([b, e]) => ({ ...e, ...b })) }));

/** A canonical document: generated messages, floats, unicode and unknown keys at the top, in config and in blocks. */
export function arbitrarySession(idPrefix: string): fc.Arbitrary<SessionData> {
  return fc
    .record({
      n: fc.nat(),
      name: text,
      messages: fc.array(message, { maxLength: 6 }),
      top: extras,
      config: extras,
      cost: fc
        .double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e6 })
        .map((x) => (Object.is(x, -0) ? 0 : x)),
      updatedAt: fc.integer({ min: 0, max: 4_000_000_000 }),
    })
    .map(({ n, name, messages, top, config, cost, updatedAt }) => {
      const base = makeSession(`${idPrefix}-${n}`, { messages: 0, name, updatedAt });
      return {
        ...top,
        ...base,
        config: { ...config, ...base.config },
        messages: messages as SessionData['messages'],
        total_cost: cost,
      } as SessionData;
    });
}
