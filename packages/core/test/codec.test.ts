import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createSession,
  decodeSession,
  encodeSession,
  parseSession,
  SessionCorruptError,
  SessionValidationError,
} from '../src/adapter.js';
import { makeCostRecord } from '../src/conformance/data.js';

const fixturesDir = new URL('../fixtures/a3s/', import.meta.url);
// The spec's copy lives beside the repository (../shared), which a clone elsewhere (CI: git clone . /tmp/x) lacks.
const sharedDir = new URL('../../../../shared/fixtures/a3s/', import.meta.url);
const hasShared = existsSync(sharedDir);
const fixtureNames = readdirSync(fixturesDir).filter((f) => f.endsWith('.json'));
const read = (name: string) => readFileSync(new URL(name, fixturesDir), 'utf8');

describe('a3s-code fixtures', () => {
  it('ships the three a3s-code fixtures', () => {
    expect(fixtureNames.sort()).toEqual(['basic.json', 'rich.json', 'variants.json']);
  });

  it.skipIf(!hasShared)(
    `ships the same bytes as ../shared/fixtures/a3s${hasShared ? '' : ' [skipped: no ../shared beside this clone]'}`,
    () => {
      for (const name of fixtureNames) expect(read(name)).toBe(readFileSync(new URL(name, sharedDir), 'utf8'));
    },
  );

  for (const name of fixtureNames) {
    it(`${name} loads and re-serializes to an equal value`, () => {
      const text = read(name);
      const doc = decodeSession(text, { record: name });
      expect(doc).toEqual(JSON.parse(text));
      expect(JSON.parse(encodeSession(doc, { pretty: true }))).toEqual(JSON.parse(text));
      // canonical: parsing the decoded document again changes nothing
      expect(parseSession(doc)).toEqual(doc);
    });
  }

  it('reads serde integral floats (0.0) and writes values that read back equal', () => {
    const text = read('basic.json');
    expect(text).toContain('"total_cost": 0.0');
    const doc = decodeSession(text, { record: 'basic.json' });
    expect(doc.total_cost).toBe(0);
    const again = decodeSession(encodeSession(doc, { pretty: true }), { record: 'x' });
    expect(again.total_cost).toBe(0);
  });

  it('pretty output matches serde byte for byte apart from integral floats', () => {
    const text = read('rich.json');
    const ours = encodeSession(decodeSession(text, { record: 'rich.json' }), { pretty: true });
    expect(ours).toBe(text);
  });
});

function base(): Record<string, unknown> {
  return JSON.parse(read('basic.json'));
}

describe('read defaults and aliases', () => {
  it('fills read defaults of a minimal document', () => {
    const doc = base();
    for (const key of ['total_cost', 'cost_records', 'tasks', 'thinking_budget']) delete doc[key];
    const config = doc.config as Record<string, unknown>;
    for (const key of ['auto_compact_threshold', 'storage_type', 'planning_mode', 'goal_tracking', 'system_prompt'])
      delete config[key];
    const parsed = parseSession(doc);
    expect(parsed.total_cost).toBe(0);
    expect(parsed.cost_records).toEqual([]);
    expect(parsed.tasks).toEqual([]);
    expect(parsed.thinking_budget).toBeNull();
    expect(parsed.config).toMatchObject({
      auto_compact_threshold: 0.8,
      storage_type: 'file',
      planning_mode: 'Auto',
      goal_tracking: false,
      system_prompt: null,
    });
  });

  it('maps todos → tasks and description → content; keeps planning_enabled and derives nothing from it', () => {
    const doc = base();
    delete doc.tasks;
    doc.todos = [{ id: '1', description: 'old style', status: 'pending' }];
    const config = doc.config as Record<string, unknown>;
    delete config.planning_mode;
    config.planning_enabled = true;
    const parsed = parseSession(doc);
    expect(parsed.tasks).toEqual([{ id: '1', content: 'old style', status: 'pending', priority: 'medium' }]);
    expect(parsed).not.toHaveProperty('todos');
    // Today's a3s-code ignores planning_enabled and reads planning_mode with its default, Auto.
    expect(parsed.config.planning_mode).toBe('Auto');
    expect(parsed.config.planning_enabled).toBe(true);
    config.planning_mode = 'Disabled';
    expect(parseSession(doc).config).toMatchObject({ planning_mode: 'Disabled', planning_enabled: true });
    config.planning_enabled = 'yes';
    expect(() => parseSession(doc)).toThrow(/config\.planning_enabled/);
  });

  it('omits null optional keys and empty dependencies, drops api_key and hook_engine', () => {
    const doc = base();
    doc.model_name = null;
    doc.parent_id = null;
    doc.llm_config = { provider: 'anthropic', model: 'm', api_key: 'sk-secret' };
    (doc.config as Record<string, unknown>).hook_engine = { anything: true };
    doc.tasks = [{ id: '1', content: 'x', status: 'pending', dependencies: [], tool: null }];
    const parsed = parseSession(doc);
    expect(parsed).not.toHaveProperty('model_name');
    expect(parsed).not.toHaveProperty('parent_id');
    expect(parsed.llm_config).toEqual({ provider: 'anthropic', model: 'm', base_url: null });
    expect(parsed.config).not.toHaveProperty('hook_engine');
    expect(parsed.tasks[0]).toEqual({ id: '1', content: 'x', status: 'pending', priority: 'medium' });
    expect(encodeSession(parsed)).not.toContain('sk-secret');
  });

  it('keeps unknown keys at every level', () => {
    const doc = base();
    doc.tenant_id = 't1';
    (doc.messages as Record<string, unknown>[])[0]!.transcript_text = 'hi';
    (doc.config as Record<string, unknown>).future = { nested: [1, { a: null }] };
    const parsed = parseSession(doc);
    expect(parsed.tenant_id).toBe('t1');
    expect(parsed.messages[0]!.transcript_text).toBe('hi');
    expect(parsed.config.future).toEqual({ nested: [1, { a: null }] });
  });

  it('does not change the caller’s object', () => {
    const doc = base();
    doc.todos = doc.tasks;
    delete doc.tasks;
    const before = structuredClone(doc);
    parseSession(doc);
    expect(doc).toEqual(before);
  });
});

describe('validation errors name the field', () => {
  const cases: [string, (d: Record<string, unknown>) => void, string][] = [
    [
      'lowercase state',
      (d) => {
        d.state = 'active';
      },
      'state',
    ],
    [
      'integer state',
      (d) => {
        d.state = 1;
      },
      'state',
    ],
    [
      'float token count',
      (d) => {
        (d.total_usage as Record<string, unknown>).prompt_tokens = 1.5;
      },
      'total_usage.prompt_tokens',
    ],
    [
      'negative unsigned',
      (d) => {
        (d.context_usage as Record<string, unknown>).turns = -1;
      },
      'context_usage.turns',
    ],
    [
      'unknown block type',
      (d) => {
        (d.messages as { content: unknown[] }[])[1]!.content[0] = { type: 'video' };
      },
      'messages[1].content[0].type',
    ],
    [
      'missing required field',
      (d) => {
        delete d.tool_names;
      },
      'tool_names',
    ],
    [
      'missing tool_use input',
      (d) => {
        (d.messages as { content: unknown[] }[])[1]!.content[0] = { type: 'tool_use', id: 'a', name: 'b' };
      },
      'messages[1].content[0].input',
    ],
    [
      'unsafe integer',
      (d) => {
        d.created_at = 2 ** 53;
      },
      'created_at',
    ],
    [
      'NaN in unknown data',
      (d) => {
        d.extra = { x: Number.NaN };
      },
      'extra.x',
    ],
    [
      'bigint in tool input',
      (d) => {
        (d.messages as { content: unknown[] }[])[1]!.content[0] = {
          type: 'tool_use',
          id: 'a',
          name: 'b',
          input: { n: 1n },
        };
      },
      'messages[1].content[0].input.n',
    ],
    [
      'Date in unknown data',
      (d) => {
        d.when = new Date();
      },
      'when',
    ],
    [
      'bad timestamp',
      (d) => {
        d.cost_records = [makeCostRecord('2024-01-01 00:00:00')];
      },
      'cost_records[0].timestamp',
    ],
  ];
  for (const [what, mutate, path] of cases) {
    it(what, () => {
      const doc = base();
      mutate(doc);
      const error = (() => {
        try {
          parseSession(doc);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(SessionValidationError);
      expect((error as SessionValidationError).path).toBe(path);
      expect((error as Error).message).toContain(path);
    });
  }
});

describe('numbers and prototypes', () => {
  it('refuses stored integers beyond 2^53-1 instead of rounding them', () => {
    const text = read('basic.json').replace('"created_at": 1700000000', '"created_at": 9007199254740993');
    expect(() => decodeSession(text, { record: 'big.json' })).toThrow(SessionCorruptError);
    const inInput = read('rich.json').replace('"timeout": 120000', '"timeout": 12345678901234567890');
    expect(() => decodeSession(inInput, { record: 'big.json' })).toThrow(/12345678901234567890/);
    // a long digit run inside a string is not a number
    const inString = read('basic.json').replace('"Hello"', '"12345678901234567890"');
    expect(decodeSession(inString, { record: 'ok.json' }).messages[0]!.content[0]).toEqual({
      type: 'text',
      text: '12345678901234567890',
    });
  });

  it('keeps __proto__ keys as data and never touches a prototype', () => {
    const text = read('rich.json')
      .replace('"command": "cargo test login"', '"__proto__": {"polluted": true}, "command": "cargo test login"')
      .replace('"state": "Active"', '"__proto__": {"polluted2": true}, "state": "Active"');
    const doc = decodeSession(text, { record: 'proto.json' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.hasOwn(doc, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value).toEqual({ polluted2: true });
    const input = (doc.messages[1]!.content[1] as { input: Record<string, unknown> }).input;
    expect(Object.hasOwn(input, '__proto__')).toBe(true);
    const again = JSON.parse(encodeSession(doc));
    expect(Object.getOwnPropertyDescriptor(again, '__proto__')?.value).toEqual({ polluted2: true });
    expect(parseSession(doc)).toEqual(doc);
  });

  it('keeps a __proto__ key of a document whose task list is under the older name todos', () => {
    const text = read('rich.json').replace('"state": "Active"', '"__proto__": false, "state": "Active"');
    const value = JSON.parse(text) as Record<string, unknown>;
    const withTodos = JSON.parse(JSON.stringify(value).replace('"tasks":', '"todos":')) as Record<string, unknown>;
    expect(Object.hasOwn(withTodos, 'todos')).toBe(true);
    const doc = parseSession(withTodos);
    expect(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value).toBe(false);
    expect(doc.tasks).toEqual(parseSession(value).tasks);
  });

  it('names the record for empty, truncated and non-JSON bytes', () => {
    for (const bad of ['', '   ', '{"id": "x"', 'not json', '{"id":"x"}']) {
      expect(() => decodeSession(bad, { record: '/data/x.json' })).toThrow(SessionCorruptError);
      expect(() => decodeSession(bad, { record: '/data/x.json' })).toThrow(/\/data\/x\.json/);
    }
  });
});

describe('createSession', () => {
  it('builds a canonical document that saves unchanged', () => {
    const s = createSession({ id: 'abc', name: 'demo', workspace: '/w', model: 'claude', now: 1700000000 });
    expect(parseSession(s)).toEqual(s);
    expect(s).toMatchObject({ id: 'abc', state: 'Active', created_at: 1700000000, model_name: 'claude', messages: [] });
    expect(s.config).toMatchObject({ name: 'demo', workspace: '/w', max_context_length: 200000 });
    expect(createSession().id).not.toBe(createSession().id);
  });
});

describe('error messages', () => {
  it('StoreUnavailableError adds its advice after exactly one full stop', async () => {
    const { StoreUnavailableError } = await import('../src/index.js');
    expect(new StoreUnavailableError('redis: load failed: Connection is closed.').message).toBe(
      'redis: load failed: Connection is closed. Check that the server is running and reachable, then retry.',
    );
    expect(new StoreUnavailableError('timed out').message).toMatch(/^timed out\. Check/);
  });
});
