/** DESIGN.md "Round trip": load after save(x) deep-equals parse(x), and x itself for canonical documents. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSession } from '../codec.js';
import { SessionValidationError } from '../errors.js';
import type { SessionData } from '../schema.js';
import { arbitrarySession } from './arbitraries.js';
import type { SuiteContext } from './context.js';
import { fixtureDocuments, makeMessage, makeSession } from './data.js';
import { clone, expectRoundTrip, itWhen, rejectionOf } from './support.js';

export function describeRoundTrip(ctx: SuiteContext): void {
  describe('round trip', () => {
    for (const { name, doc } of fixtureDocuments()) {
      it(`a3s-code fixture ${name} comes back deep-equal`, async () => {
        const { store } = await ctx.fresh();
        await expectRoundTrip(store, doc);
      });
    }

    it('generated canonical documents (property-based) come back deep-equal', async () => {
      const { store } = await ctx.fresh();
      let seq = 0;
      await fc.assert(
        fc.asyncProperty(arbitrarySession('prop'), async (doc) => {
          doc.id = `prop-${seq++}`;
          expect(parseSession(doc)).toEqual(doc); // the generator makes canonical documents
          await store.save(doc);
          expect(await store.load(doc.id)).toEqual(doc);
        }),
        { numRuns: ctx.runs(200) },
      );
    }, 120_000);

    itWhen(
      ctx.caps.maxDocumentBytes >= 6 * 1024 * 1024,
      `maxDocumentBytes ${ctx.caps.maxDocumentBytes} < 6 MiB`,
      'a 5 MB session comes back deep-equal',
      async () => {
        const { store } = await ctx.fresh();
        const doc = makeSession('big', { messages: 2500, messageText: (i) => `${i} `.padEnd(2000, 'x') });
        expect(JSON.stringify(doc).length).toBeGreaterThan(5_000_000);
        await expectRoundTrip(store, doc);
      },
      120_000,
    );

    it('unicode of every kind survives: emoji, CJK, right-to-left, U+2028/2029, NUL, combining marks', async () => {
      const { store } = await ctx.fresh();
      const samples = [
        '👩‍👩‍👧‍👦 🏳️‍🌈 😀',
        '中文 日本語 한국어',
        'עברית العربية ‏mixed‎',
        'line\u2028separator\u2029paragraph',
        'nul\u0000inside',
        'e\u0301 a\u0308 Z̤͔ͧ̑̓',
        '\uFEFF bom \uFFFD replacement',
        '"quotes" \\ backslash \n\r\t controls \u0001\u001f\u007f',
        '𝕏 astral 𠜎',
      ];
      const doc = makeSession('unicode', { messages: 0, name: samples.join('|') });
      doc.messages = samples.map((text, i) => ({ ...makeMessage(0, text), role: i % 2 ? 'assistant' : 'user' }));
      doc.config.system_prompt = samples.join('\n');
      (doc as Record<string, unknown>).extra_unicode = { [samples[0] as string]: samples[3], nul: '\u0000' };
      await expectRoundTrip(store, doc);
    });

    it('floats keep their exact value: 0.1+0.2, 1e-7, -0.5, 1e300, 5e-324', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('floats');
      doc.total_cost = 0.1 + 0.2;
      doc.context_usage.percent = 1e-7;
      doc.config.auto_compact_threshold = -0.5;
      doc.messages.push({
        role: 'assistant',
        content: [
          {
            type: 'tool_use',
            id: 't',
            name: 'n',
            input: { a: 0.1 + 0.2, b: 1e-7, c: -0.5, d: 1e300, e: 5e-324, f: -1.5e21 },
          },
        ],
      });
      await expectRoundTrip(store, doc);
      const back = await store.load('floats');
      expect(back?.total_cost).toBe(0.30000000000000004);
    });

    it('integers up to 2^53-1 where the schema allows them', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('ints');
      const max = Number.MAX_SAFE_INTEGER;
      doc.created_at = -max;
      doc.updated_at = max;
      doc.total_usage.prompt_tokens = max;
      doc.context_usage.used_tokens = max;
      doc.messages.push({
        role: 'user',
        content: [{ type: 'tool_use', id: 'i', name: 'n', input: { big: max, small: -max } }],
      });
      await expectRoundTrip(store, doc);
    });

    it('integers beyond 2^53-1 are refused with SessionValidationError and nothing is written', async () => {
      const { store } = await ctx.fresh();
      const good = makeSession('beyond');
      await store.save(good);
      for (const mutate of [
        (d: SessionData) => {
          d.updated_at = 2 ** 53;
        },
        (d: SessionData) => {
          d.total_usage.total_tokens = 2 ** 60;
        },
        (d: SessionData) =>
          void d.messages.push({
            role: 'user',
            content: [{ type: 'tool_use', id: 'i', name: 'n', input: { n: 2 ** 53 + 2 } }],
          }),
        (d: SessionData) => {
          (d as Record<string, unknown>).unknown_big = -(2 ** 55);
        },
      ]) {
        const bad = clone(good);
        mutate(bad);
        expect(await rejectionOf(store.save(bad))).toBeInstanceOf(SessionValidationError);
      }
      expect(await store.get('beyond')).toEqual({ session: good, revision: 1 });
    });

    it('__proto__ keys inside tool_use.input and unknown data are data, and never touch a prototype', async () => {
      const { store } = await ctx.fresh();
      const input = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "k": 1}');
      const doc = makeSession('proto');
      doc.messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: 'p', name: 'n', input }] });
      (doc as Record<string, unknown>).extra = JSON.parse('{"__proto__": {"admin": true}}');
      // Unknown keys named __proto__ at the top level and in a message (backends that split documents rebuild them).
      const asData = (value: unknown) => ({ value, enumerable: true, writable: true, configurable: true });
      Object.defineProperty(doc, '__proto__', asData({ top: true }));
      Object.defineProperty(doc.messages[0], '__proto__', asData({ inMessage: true }));
      await store.save(doc);
      const back = await store.load('proto');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      const backInput = (back!.messages.at(-1)!.content[0] as { input: Record<string, unknown> }).input;
      expect(Object.getPrototypeOf(backInput)).toBe(Object.prototype);
      expect(Object.hasOwn(backInput, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(backInput, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ top: true });
      expect(Object.getOwnPropertyDescriptor(back!.messages[0], '__proto__')?.value).toEqual({ inMessage: true });
      const extra = (back as Record<string, unknown>).extra as object;
      expect(Object.getOwnPropertyDescriptor(extra, '__proto__')?.value).toEqual({ admin: true });
      expect(back).toEqual(doc);
    });

    it('a partial document comes back with read defaults and aliases applied', async () => {
      const { store } = await ctx.fresh();
      const full = makeSession('partial');
      const partial = clone(full) as Record<string, unknown>;
      for (const key of ['total_cost', 'cost_records', 'thinking_budget', 'tasks']) delete partial[key];
      partial.todos = [{ id: '1', description: 'legacy task', status: 'pending' }];
      const config = partial.config as Record<string, unknown>;
      for (const key of ['auto_compact_threshold', 'storage_type', 'planning_mode', 'goal_tracking', 'system_prompt'])
        delete config[key];
      config.planning_enabled = true;
      partial.model_name = null;
      await store.save(partial as SessionData);
      const back = await store.load('partial');
      expect(back).toEqual(parseSession(partial));
      expect(back?.tasks).toEqual([{ id: '1', content: 'legacy task', status: 'pending', priority: 'medium' }]);
      expect(back).not.toHaveProperty('todos');
      expect(back).not.toHaveProperty('model_name');
      expect(back?.total_cost).toBe(0);
      // Older a3s-code's planning_enabled stays as it was; planning_mode takes its own default.
      expect(back?.config.planning_mode).toBe('Auto');
      expect(back?.config.planning_enabled).toBe(true);
    });

    it('store and caller never share objects', async () => {
      const { store } = await ctx.fresh();
      const doc = makeSession('isolated');
      await store.save(doc);
      const snapshot = clone(doc);
      doc.messages[0]!.content.push({ type: 'text', text: 'changed after save' });
      (doc.messages[1]!.content[1] as { input: Record<string, unknown> }).input.command = 'rm -rf /';
      const first = await store.load('isolated');
      expect(first).toEqual(snapshot);
      first!.messages.length = 0;
      first!.config.name = 'mutated';
      expect(await store.load('isolated')).toEqual(snapshot);
    });

    it('save leaves its argument unchanged', async () => {
      const { store } = await ctx.fresh();
      const doc = clone(makeSession('untouched')) as Record<string, unknown>;
      doc.todos = [{ id: '1', description: 'd', status: 'pending' }];
      delete doc.tasks;
      (doc.llm_config as unknown) = { provider: 'p', model: 'm', api_key: 'sk-keep-in-caller' };
      const before = clone(doc);
      await store.save(doc as SessionData);
      expect(doc).toEqual(before);
    });

    it('an invalid document throws SessionValidationError naming the field and leaves the stored one untouched', async () => {
      const { store } = await ctx.fresh();
      const good = makeSession('valid');
      await store.save(good);
      const cases: [string, (d: Record<string, unknown>) => void][] = [
        [
          'state',
          (d) => {
            d.state = 'active';
          },
        ],
        [
          'messages[0].content[0].type',
          (d) => {
            (d.messages as { content: unknown[] }[])[0]!.content[0] = { type: 'video', url: 'x' };
          },
        ],
        [
          'config.max_context_length',
          (d) => {
            (d.config as Record<string, unknown>).max_context_length = -1;
          },
        ],
        [
          'tool_names',
          (d) => {
            delete d.tool_names;
          },
        ],
        [
          'created_at',
          (d) => {
            d.created_at = 1.5;
          },
        ],
      ];
      for (const [path, mutate] of cases) {
        const bad = clone(good) as Record<string, unknown>;
        mutate(bad);
        const error = await rejectionOf(store.save(bad as SessionData));
        expect(error).toBeInstanceOf(SessionValidationError);
        expect((error as SessionValidationError).path).toBe(path);
      }
      for (const notADocument of [null, undefined, 'x', 42, [], {}]) {
        expect(await rejectionOf(store.save(notADocument as unknown as SessionData))).toBeInstanceOf(
          SessionValidationError,
        );
      }
      expect(await store.get('valid')).toEqual({ session: good, revision: 1 });
    });
  });
}
