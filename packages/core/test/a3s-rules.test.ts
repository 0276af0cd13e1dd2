/**
 * Document-level rules taken from a3s-code's serde types (issue 16): what chrono, serde_json and a3s-code's structs
 * accept, so that we read every file a3s-code reads and write nothing it cannot read.
 * Message-level rules (trust, lone surrogates inside messages) are in fast-path-rules.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  chronoTimestampProblem,
  decodeSession,
  findTextOrNumberIssue,
  fitsF32,
  isChronoTimestamp,
  mayHoldLoneSurrogate,
  parseSession,
  SessionCorruptError,
  SessionValidationError,
} from '../src/adapter.js';
import { makeCostRecord } from '../src/conformance/data.js';

const basic = () =>
  JSON.parse(readFileSync(new URL('../fixtures/a3s/basic.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const config = (doc: Record<string, unknown>) => doc.config as Record<string, unknown>;

function validationError(doc: unknown): SessionValidationError {
  try {
    parseSession(doc);
  } catch (error) {
    if (error instanceof SessionValidationError) return error;
    throw error;
  }
  throw new Error('parseSession accepted the document');
}

function corruptError(text: string): SessionCorruptError {
  try {
    decodeSession(text, { record: '/sessions/x.json' });
  } catch (error) {
    if (error instanceof SessionCorruptError) return error;
    throw error;
  }
  throw new Error('decodeSession accepted the text');
}

const costRecord = (timestamp: string) => makeCostRecord(timestamp);

describe('timestamps: what chrono reads', () => {
  const accepted = [
    '2026-01-31T09:30:00Z',
    '2026-01-31T09:30:00.1Z',
    '2026-01-31T09:30:00.12Z',
    '2026-01-31T09:30:00.123456789Z',
    '2026-01-31T09:30:00.1234567891234Z', // digits past the ninth are read and ignored
    '2026-01-31T17:30:00+08:00',
    '2026-01-31T01:30:00-08:00',
    '2026-01-31T17:30:00+0800',
    '2026-01-31t09:30:00z',
    '2026-01-31 09:30:00Z',
    '2026-01-31T09:30:00 UTC',
    '2026-01-31T09:30:00utc',
    '2026-01-31T09:30:00−05:00', // U+2212 MINUS SIGN
    '2026-1-5T9:3:7Z', // chrono does not require padding
    ' 2026-01-31T09:30:00Z ',
    '2024-02-29T00:00:00Z',
    '2016-12-31T23:59:60Z', // leap second
    '+12026-01-01T00:00:00Z',
    '-0044-03-15T12:00:00Z',
    '2026-01-31T09:30:00+23:59',
  ];
  const refused = [
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-01-31T24:00:00Z',
    '2026-01-31T09:60:00Z',
    '2026-01-31T09:30:61Z',
    '2026-01-31T09:30:00', // no offset
    '2026-01-31 09:30:00',
    '2026-01-31T09:30:00+24:00', // a day or more
    '2026-01-31T09:30:00+08:60',
    '2026-01-31T09:30:00+8:00',
    '2026-01-31T09:30:00.Z', // a dot needs a digit
    '2026-01-31T09:30Z',
    '20260131T093000Z',
    '12026-01-01T00:00:00Z', // five digits need a sign
    '+1000000-01-01T00:00:00Z',
    '1700000000',
    '',
  ];
  for (const t of accepted)
    it(`accepts ${JSON.stringify(t)}`, () => {
      expect(chronoTimestampProblem(t)).toBeNull();
      const doc = basic();
      doc.cost_records = [costRecord(t)];
      // kept exactly as written
      expect(parseSession(doc).cost_records[0]?.timestamp).toBe(t);
    });
  for (const t of refused)
    it(`refuses ${JSON.stringify(t)} with the field path on save and the record on load`, () => {
      expect(isChronoTimestamp(t)).toBe(false);
      const doc = basic();
      doc.cost_records = [costRecord(t)];
      const error = validationError(doc);
      expect(error.path).toBe('cost_records[0].timestamp');
      expect(error.message).toMatch(/chrono/);
      const corrupt = corruptError(JSON.stringify(doc));
      expect(corrupt.message).toContain('/sessions/x.json');
      expect(corrupt.message).toContain('cost_records[0].timestamp');
    });
});

describe('permission rules', () => {
  it('reads plain strings and objects, and keeps each in the form it was read', () => {
    const doc = basic();
    config(doc).permission_policy = { deny: ['bash', { rule: 'Bash(rm:*)' }], allow: [{ rule: 'read' }, 'grep(*)'] };
    const parsed = parseSession(doc);
    expect(parsed.config.permission_policy).toEqual({
      deny: ['bash', { rule: 'Bash(rm:*)' }],
      allow: [{ rule: 'read' }, 'grep(*)'],
      ask: [],
      default_decision: 'ask',
      enabled: true,
    });
    expect(parseSession(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('refuses a rule that is neither', () => {
    const doc = basic();
    config(doc).permission_policy = { deny: [42] };
    expect(validationError(doc).path).toBe('config.permission_policy.deny[0]');
  });
});

describe('planning_enabled', () => {
  it('is kept as it was, beside planning_mode, and nothing is derived from it', () => {
    const doc = basic();
    delete config(doc).planning_mode;
    config(doc).planning_enabled = false;
    const parsed = parseSession(doc);
    expect(parsed.config.planning_mode).toBe('Auto');
    expect(parsed.config.planning_enabled).toBe(false);
  });
});

describe('tool_result_transform_policy', () => {
  const policy = () => ({
    schema: 'a3s.code.tool-result-transform-policy.v1',
    max_output_bytes: 102400,
    head_bytes: 65536,
    tail_bytes: 32768,
    fold_repeated_lines: true,
    repeated_line_threshold: 3,
    structured_sample_items: 32,
  });

  it('round-trips the seven keys and stays absent when absent', () => {
    const doc = basic();
    expect(parseSession(doc).config).not.toHaveProperty('tool_result_transform_policy');
    config(doc).tool_result_transform_policy = policy();
    expect(parseSession(doc).config.tool_result_transform_policy).toEqual(policy());
  });

  it('refuses unknown keys (a3s-code denies them)', () => {
    const doc = basic();
    config(doc).tool_result_transform_policy = { ...policy(), extra: 1 };
    const error = validationError(doc);
    expect(error.path).toMatch(/^config\.tool_result_transform_policy/);
    expect(error.message).toContain('extra');
  });

  for (const key of Object.keys(policy()))
    it(`requires ${key}`, () => {
      const doc = basic();
      const p: Record<string, unknown> = policy();
      delete p[key];
      config(doc).tool_result_transform_policy = p;
      expect(validationError(doc).path).toBe(`config.tool_result_transform_policy.${key}`);
    });

  it('refuses null (a3s-code reads a struct, not an Option)', () => {
    const doc = basic();
    config(doc).tool_result_transform_policy = null;
    expect(validationError(doc).path).toBe('config.tool_result_transform_policy');
  });
});

describe('floats as serde reads them', () => {
  it('fitsF32 follows the f64 → f32 cast', () => {
    expect(fitsF32(3.4028234663852886e38)).toBe(true);
    expect(fitsF32(3.4028235677973362e38)).toBe(true); // rounds down to f32::MAX
    expect(fitsF32(1e39)).toBe(false);
    expect(fitsF32(-1e39)).toBe(false);
  });

  it('refuses percent 1e39 on save (serde would write null), and reads it as a3s-code does', () => {
    const doc = basic();
    (doc.context_usage as Record<string, unknown>).percent = 1e39;
    const error = validationError(doc);
    expect(error.path).toBe('context_usage.percent');
    expect(error.message).toMatch(/f32/);
    expect(decodeSession(JSON.stringify(doc), { record: 'x' }).context_usage.percent).toBe(1e39);
  });

  it('refuses auto_compact_threshold beyond f32 on save', () => {
    const doc = basic();
    config(doc).auto_compact_threshold = -1e39;
    expect(validationError(doc).path).toBe('config.auto_compact_threshold');
  });

  it('accepts an f64 field beyond f32 and refuses one beyond f64 on load (serde_json cannot parse 1e400)', () => {
    const doc = basic();
    doc.total_cost = 1e300;
    expect(parseSession(doc).total_cost).toBe(1e300);
    const text = JSON.stringify(basic()).replace('"total_cost":0', '"total_cost":1e400');
    expect(text).toContain('1e400');
    expect(corruptError(text).message).toContain('total_cost');
  });

  it('refuses a number beyond f64 inside unknown data on load', () => {
    const text = JSON.stringify({ ...basic(), extra: { deep: [1] } }).replace('"deep":[1]', '"deep":[1e999]');
    expect(corruptError(text).message).toContain('extra.deep[0]');
  });
});

describe('lone surrogates', () => {
  const lone = 'bad \ud800 text';

  it('are refused on save with the field path, in known and unknown fields and keys', () => {
    const cases: [string, (d: Record<string, unknown>) => void][] = [
      ['config.name', (d) => Object.assign(config(d), { name: lone })],
      ['config.system_prompt', (d) => Object.assign(config(d), { system_prompt: lone })],
      ['tool_names[0]', (d) => Object.assign(d, { tool_names: [lone] })],
      ['extra.nested[1]', (d) => Object.assign(d, { extra: { nested: ['ok', lone] } })],
      ['config.extra', (d) => Object.assign(config(d), { extra: lone })],
      [`odd${lone}`, (d) => Object.assign(d, { [`odd${lone}`]: 1 })],
    ];
    for (const [path, mutate] of cases) {
      const doc = basic();
      mutate(doc);
      const error = validationError(doc);
      expect(error.path, path).toBe(path);
      expect(error.message).toMatch(/lone surrogate/);
    }
  });

  it('are SessionCorruptError on load, naming the record and the field', () => {
    const text = JSON.stringify(basic()).replace('"name":"', '"name":"\\ud800');
    expect(text).toContain('\\ud800');
    const error = corruptError(text);
    expect(error.message).toContain('/sessions/x.json');
    expect(error.message).toContain('config.name');
  });

  it('a well-formed pair is fine', () => {
    const doc = basic();
    config(doc).name = 'emoji \ud83d\ude00';
    expect(parseSession(doc).config.name).toBe('emoji 😀');
  });

  it('findTextOrNumberIssue and mayHoldLoneSurrogate', () => {
    expect(findTextOrNumberIssue({ a: [1, { b: '\udc00' }] })).toMatchObject({ path: ['a', 1, 'b'] });
    expect(findTextOrNumberIssue({ a: [1, { b: 'ok' }], n: 2 })).toBeNull();
    expect(findTextOrNumberIssue([Number.POSITIVE_INFINITY])).toMatchObject({ path: [0] });
    expect(mayHoldLoneSurrogate('{"a":"\\uD83D\\uDE00"}')).toBe(true);
    expect(mayHoldLoneSurrogate('{"a":"\\u00e9 plain"}')).toBe(false);
  });
});

describe('fields of newer a3s-code', () => {
  it('reads tenant_id, principal, agent_template_id and correlation_id, and omits them when null', () => {
    const doc = basic();
    Object.assign(doc, { tenant_id: 't-1', principal: 'user-7', agent_template_id: null, correlation_id: 'c' });
    const parsed = parseSession(doc) as Record<string, unknown>;
    expect(parsed).toMatchObject({ tenant_id: 't-1', principal: 'user-7', correlation_id: 'c' });
    expect(parsed).not.toHaveProperty('agent_template_id');
  });

  it('refuses a tenant_id that is not a string', () => {
    const doc = basic();
    doc.tenant_id = 7;
    expect(validationError(doc).path).toBe('tenant_id');
  });

  it('reads max_parallel_tasks and enforce_active_skill_tool_restrictions as a3s-code writes them', () => {
    const doc = basic();
    Object.assign(config(doc), { max_parallel_tasks: 4, enforce_active_skill_tool_restrictions: true });
    expect(parseSession(doc).config).toMatchObject({
      max_parallel_tasks: 4,
      enforce_active_skill_tool_restrictions: true,
    });
    config(doc).max_parallel_tasks = -1;
    expect(validationError(doc).path).toBe('config.max_parallel_tasks');
  });
});
