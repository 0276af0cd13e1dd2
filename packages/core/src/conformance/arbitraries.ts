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

// ---- documents as applications build them --------------------------------------------------------------------

/** A small deterministic PRNG, so a shaped document is a function of its seed (fast-check can shrink the seed). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `o` with its keys in another order (`map` applied to the values). With `known`, only those keys move and the others
 * keep their order after them: the order of unknown keys is data the schema keeps.
 */
function shuffled(
  o: Obj,
  rnd: () => number,
  map: (key: string, value: unknown) => unknown,
  known?: ReadonlySet<string>,
): Obj {
  const all = Object.keys(o);
  const keys = known ? all.filter((k) => known.has(k)) : all;
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  if (known) keys.push(...all.filter((k) => !known.has(k)));
  const out: Obj = {};
  for (const key of keys) {
    const value = map(key, o[key]);
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function shapeFree(v: unknown, rnd: () => number, freeJson: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => shapeFree(x, rnd, freeJson));
  if (!isObj(v)) return v;
  return freeJson ? shuffled(v, rnd, (_k, x) => shapeFree(x, rnd, freeJson)) : { ...v };
}

/** A canonical message as an application may hold it: nulls where the wire format omits keys, keys in any order. */
const MESSAGE_KEYS = new Set(['role', 'content', 'reasoning_content']);
const BLOCK_KEYS = new Set(['type', 'text', 'source', 'id', 'name', 'input', 'tool_use_id', 'content', 'is_error']);
const PART_KEYS = new Set(['type', 'text', 'source', 'media_type', 'data']);

function shapeMessage(m: Obj, rnd: () => number, freeJson: boolean): Obj {
  const out = shuffled(
    m,
    rnd,
    (key, value) => {
      if (key === 'content' && Array.isArray(value)) return value.map((b) => shapeBlock(b as Obj, rnd, freeJson));
      return MESSAGE_KEYS.has(key) ? value : shapeFree(value, rnd, freeJson);
    },
    freeJson ? undefined : MESSAGE_KEYS,
  );
  if (!('reasoning_content' in out) && rnd() < 0.5) out.reasoning_content = rnd() < 0.5 ? null : undefined;
  return out;
}

function shapeBlock(b: Obj, rnd: () => number, freeJson: boolean): Obj {
  const only = freeJson ? undefined : PART_KEYS;
  const out = shuffled(
    b,
    rnd,
    (key, value) => {
      if (key === 'type' || key === 'text' || key === 'id' || key === 'name' || key === 'tool_use_id') return value;
      if (key === 'content' && Array.isArray(value))
        return value.map((p) => shuffled(p as Obj, rnd, (_k, x) => x, only));
      if (key === 'source' && isObj(value)) return shuffled(value, rnd, (_k, x) => x, only);
      return shapeFree(value, rnd, freeJson);
    },
    freeJson ? undefined : BLOCK_KEYS,
  );
  if (out.type === 'tool_result' && out.is_error === null && rnd() < 0.5) {
    if (rnd() < 0.5) delete out.is_error;
    else out.is_error = undefined;
  }
  return out;
}

// Read defaults a3s-code fills in, and keys it omits when null: an application may leave either out or in.
const HEAD_DEFAULTS: [string, unknown][] = [
  ['total_cost', 0],
  ['cost_records', []],
  ['thinking_budget', null],
  ['tasks', []],
];
const CONFIG_DEFAULTS: [string, unknown][] = [
  ['system_prompt', null],
  ['auto_compact_threshold', 0.8],
  ['storage_type', 'file'],
  ['planning_mode', 'Auto'],
  ['goal_tracking', false],
];
const HEAD_NULLABLE = ['model_name', 'llm_config', 'parent_id'];
const CONFIG_NULLABLE = ['queue_config', 'confirmation_policy', 'permission_policy', 'parent_id', 'security_config'];

function shapeHead(o: Obj, defaults: [string, unknown][], nullable: string[], rnd: () => number): void {
  for (const [key, value] of defaults)
    if (key in o && JSON.stringify(o[key]) === JSON.stringify(value) && rnd() < 0.5) delete o[key];
  for (const key of nullable) if (!(key in o) && rnd() < 0.5) o[key] = rnd() < 0.5 ? null : undefined;
}

/**
 * A canonical document (or a list of its messages) reshaped the way an application's own session object may look:
 * keys in any order, `null`/`undefined` where the wire format omits keys, read defaults left out, `todos` for
 * `tasks`. It parses back to the same canonical value. `freeJson`: also shuffle keys inside free JSON
 * (`tool_use.input`, unknown keys' values), which the schema keeps as they are.
 */
export function applicationShaped<T extends SessionData | readonly unknown[]>(
  value: T,
  seed: number,
  options: { freeJson?: boolean } = {},
): T {
  const rnd = random(seed);
  const freeJson = options.freeJson ?? true;
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  if (Array.isArray(copy)) return copy.map((m) => shapeMessage(m as Obj, rnd, freeJson)) as unknown as T;
  const doc = copy as Obj;
  const messages = (doc.messages as Obj[]).map((m) => shapeMessage(m, rnd, freeJson));
  const config = { ...(doc.config as Obj) };
  shapeHead(config, CONFIG_DEFAULTS, CONFIG_NULLABLE, rnd);
  shapeHead(doc, HEAD_DEFAULTS, HEAD_NULLABLE, rnd);
  if (Array.isArray(doc.tasks) && rnd() < 0.3) {
    doc.todos = doc.tasks;
    delete doc.tasks;
  }
  return shuffled({ ...doc, config: shuffled(config, rnd, (_k, x) => x), messages }, rnd, (_k, x) => x) as T;
}

/** Canonical messages, for the tests of the message fast path and of history comparison. */
export const arbitraryMessage = message;
