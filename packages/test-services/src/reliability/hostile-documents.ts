/**
 * Hostile documents, fuzzed: NUL characters and any Unicode in names, texts, keys and values; `__proto__`,
 * `constructor` and `prototype` keys (data, never a prototype); lone surrogates (refused naming the field);
 * integers beyond 2^53 (number-rule.ts); deep nesting (up to core's MAX_JSON_DEPTH it round-trips, beyond it is
 * refused with SessionValidationError naming a path before anything is written, never an untyped RangeError).
 */
import { MAX_JSON_DEPTH, type SessionData, type SessionStore, SessionValidationError } from '@agent-sessions/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../namespace.js';
import { baseSession, textMessage } from './model.js';
import { expectUnsafeIntegerSave, UNSAFE_BUT_EXACT } from './number-rule.js';

export interface HostileDocumentOptions {
  create(namespace: string): Promise<SessionStore>;
  cleanup?(namespace: string): Promise<void>;
  /** Documents in the property; default 100. */
  runs?: number;
  report?(line: string): void;
}

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '\u0000',
  'a\u0000b',
  '',
];

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u0000'.repeat(8), 'e\u0301\u0000😀', '\\u0000', '"\\"', '</script>'),
);
const hostileKey = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ unit: 'binary', maxLength: 12 }));

/** An object from entries, with every key an own data property (`__proto__` included, as JSON.parse makes it). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

const leaf = fc.oneof(
  hostileText,
  fc.integer(),
  // Doubles within the safe range: an integer-valued double beyond it falls under the number rule, tested apart.
  fc.double({ noNaN: true, min: -(2 ** 52), max: 2 ** 52 }),
  fc.boolean(),
  fc.constant(null),
);
const { value: hostileValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 5 }).map(objectOf),
}));

/** JSON with keys sorted at every level, so two documents compare by content whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? objectOf(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v === 0 && Object.is(v, -0)
        ? 0
        : v,
  );
}

const hostileDocument = fc
  .record({
    name: hostileText,
    texts: fc.array(hostileText, { minLength: 1, maxLength: 4 }),
    input: fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 6 }).map(objectOf),
    extra: fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 6 }).map(objectOf),
  })
  .map(({ name, texts, input, extra }) => {
    const doc = baseSession(
      'doc',
      name,
      texts.map((t, i) => textMessage(i, t)),
    );
    doc.messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input }],
    } as never);
    (doc as Record<string, unknown>).x_hostile = extra;
    return doc;
  });

const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort();

/** A tool input nested `depth` objects deep. */
function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

export function describeHostileDocuments(name: string, options: HostileDocumentOptions): void {
  const report = options.report ?? ((line: string) => console.info(`[hostile-documents] ${name}: ${line}`));
  let namespace: string;
  let store: SessionStore;
  describe(`${name}: hostile documents`, () => {
    beforeEach(async () => {
      namespace = uniqueNamespace('docs');
      store = await options.create(namespace);
    });
    afterEach(async () => {
      await store.close();
      await options.cleanup?.(namespace);
    });

    it('NUL and any Unicode in names, texts, keys and values, and prototype-named keys, round-trip as data (fast-check)', async () => {
      const before = prototypeNames();
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(hostileDocument, async (doc) => {
          await store.save(doc);
          const back = (await store.load('doc')) as SessionData;
          expect(stableJson(back)).toBe(stableJson(doc));
          // Prototype-named keys stayed own data properties and reached no prototype.
          const extra = (back as Record<string, unknown>).x_hostile as Record<string, unknown>;
          for (const key of Object.keys((doc as Record<string, unknown>).x_hostile as object))
            expect(Object.hasOwn(extra, key), JSON.stringify(key)).toBe(true);
          expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          runs++;
        }),
        { numRuns: options.runs ?? 100 },
      );
      expect(prototypeNames()).toEqual(before);
      report(`${runs} fuzzed documents round-tripped exactly; Object.prototype untouched`);
    }, 120_000);

    it('__proto__ and constructor payloads are kept as data and pollute nothing', async () => {
      const payload = JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
      const doc = baseSession('proto', 'proto', [textMessage(0, 'x')]);
      doc.messages.push({
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't', name: 'n', input: payload }],
      } as never);
      for (const [key, value] of Object.entries(
        JSON.parse('{"__proto__":{"polluted":"yes"},"x_constructor":{"constructor":{"polluted":1}}}') as object,
      ))
        Object.defineProperty(doc, key, { value, enumerable: true, writable: true, configurable: true });
      await store.save(doc);
      const back = (await store.load('proto')) as Record<string, unknown>;
      expect(stableJson(back)).toBe(stableJson(doc));
      expect(Object.hasOwn(back, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await store.listSessions()).sessions.map((s) => s.id)).toEqual(['proto']);
    });

    it('a lone surrogate is refused with SessionValidationError naming the field; nothing is written', async () => {
      const cases: [string, (doc: SessionData) => void][] = [
        [
          'config.name',
          (d) => {
            d.config.name = 'a\ud800b';
          },
        ],
        [
          'messages[0].content[0].text',
          (d) => {
            d.messages.push(textMessage(0, 'x\udc00'));
          },
        ],
      ];
      for (const [path, spoil] of cases) {
        const doc = baseSession('lone', 'lone');
        spoil(doc);
        const error = await store.save(doc).catch((e: unknown) => e);
        expect(error, path).toBeInstanceOf(SessionValidationError);
        expect((error as SessionValidationError).path).toBe(path);
        expect(await store.load('lone')).toBeNull();
      }
    });

    it('integers beyond 2^53 follow the one number rule (number-rule.ts), at top level and inside tool input', async () => {
      for (const value of UNSAFE_BUT_EXACT) {
        const top = baseSession('big', 'big') as SessionData & { x_big?: number };
        top.x_big = value;
        await expectUnsafeIntegerSave(
          () => store.save(top),
          () => store.load('big'),
          'x_big',
          (d) => (d as { x_big?: unknown }).x_big,
          value,
        );
        await store.delete('big');
        const inInput = baseSession('big', 'big');
        inInput.messages.push({
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't', name: 'n', input: { n: value } }],
        } as never);
        await expectUnsafeIntegerSave(
          () => store.save(inInput),
          () => store.load('big'),
          'messages[0].content[0].input.n',
          (d) => (d.messages[0]?.content[0] as { input?: { n?: unknown } } | undefined)?.input?.n,
          value,
        );
        await store.delete('big');
      }
    });

    it('deep nesting: up to the documented depth round-trips; deeper (up to 100,000 levels) is refused naming a path', async () => {
      // tool_use.input sits at depth 6 of the document (document, messages, message, content, block, input).
      const deepest = MAX_JSON_DEPTH - 5;
      for (const depth of [100, deepest, deepest + 1, 1_000, 5_000, 100_000]) {
        const doc = baseSession('deep', `depth ${depth}`);
        doc.messages.push({
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't', name: 'n', input: nested(depth) }],
        } as never);
        const error = await store.save(doc).then(
          () => null,
          (e: unknown) => e,
        );
        if (depth <= deepest) {
          expect(error, `depth ${depth}`).toBeNull();
          const back = await store.load('deep');
          expect(JSON.stringify(back?.messages), `depth ${depth}`).toBe(JSON.stringify(doc.messages));
        } else {
          expect(error, `depth ${depth}`).toBeInstanceOf(SessionValidationError);
          expect((error as SessionValidationError).path).toMatch(/^messages\[0\]\.content\[0\]\.input/);
          expect(await store.load('deep')).toBeNull();
        }
        await store.delete('deep');
      }
    }, 60_000);
  });
}
