/**
 * Corrupt records written straight into storage (truncated, not JSON, wrong schema, an integer JSON.parse would
 * round, random damage): reading one is SessionCorruptError naming the record, never another error and never a
 * silent null; every other session, `list`, `listSessions` and a repairing save still work.
 */
import { SessionCorruptError, type SessionData, type SessionStore } from '@agent-sessions/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../namespace.js';
import { baseSession, textMessage } from './model.js';
import { expectUnsafeIntegerLoad, UNSAFE_INTEGERS, UNSAFE_LITERAL } from './number-rule.js';

export interface CorruptRecordOptions {
  create(namespace: string): Promise<SessionStore>;
  /**
   * Rewrites, with a raw driver, the stored text of session `id` that holds its document (the file, the object,
   * the head row or hash field) as `mutate` returns it. Returns what SessionCorruptError's `record` must contain
   * (a path, key or row name).
   */
  tamper(namespace: string, id: string, mutate: (raw: string) => string): Promise<string>;
  cleanup?(namespace: string): Promise<void>;
  /** Random damages tried; default 30. */
  runs?: number;
  report?(line: string): void;
}

const edit = (change: (doc: Record<string, unknown>) => void) => (raw: string) => {
  const doc = JSON.parse(raw) as Record<string, unknown>;
  change(doc);
  return JSON.stringify(doc);
};

/** Damages that leave no readable document. */
const DAMAGES: [string, (raw: string) => string][] = [
  ['truncated', (raw) => raw.slice(0, Math.floor(raw.length / 2))],
  ['empty', () => ''],
  ['not JSON', () => 'garbage\u0000\u00ff not json'],
  ['JSON but not an object', () => '[1,2,3]'],
  [
    'wrong schema (config is a number)',
    edit((d) => {
      d.config = 17;
    }),
  ],
  [
    'wrong schema (state is an object)',
    edit((d) => {
      d.state = { nope: true };
    }),
  ],
  [
    'another id inside',
    edit((d) => {
      d.id = 'someone-else';
    }),
  ],
];

function documents(): SessionData[] {
  return ['good-1', 'good-2', 'bad'].map((id) =>
    baseSession(id, `name of ${id}`, [textMessage(0, `${id} first`), textMessage(1, `${id} second`)]),
  );
}

export function describeCorruptRecords(name: string, options: CorruptRecordOptions): void {
  const report = options.report ?? ((line: string) => console.info(`[corrupt] ${name}: ${line}`));
  let namespace: string;
  let store: SessionStore;

  async function fresh(): Promise<SessionData[]> {
    const docs = documents();
    for (const doc of docs) await store.save(doc);
    return docs;
  }

  async function expectCorrupt(call: () => Promise<unknown>, record: string, what: string): Promise<void> {
    const error = await call().then(
      (value) => ({ resolved: value }),
      (e: unknown) => e,
    );
    expect(error, what).toBeInstanceOf(SessionCorruptError);
    const corrupt = error as SessionCorruptError;
    expect(corrupt.record, what).toContain(record);
    expect(corrupt.message, what).toContain(corrupt.record);
    expect(corrupt.sessionId, what).toBe('bad');
  }

  /** Everything but the damaged session goes on working, and a save of it repairs it. */
  async function expectOthersWork(docs: SessionData[], what: string): Promise<void> {
    for (const doc of docs.slice(0, 2)) expect(await store.load(doc.id), what).toEqual(doc);
    expect([...(await store.list())].sort(), what).toEqual(['bad', 'good-1', 'good-2']);
    const listed = (await store.listSessions()).sessions.map((s) => s.id);
    expect(listed, what).toEqual(expect.arrayContaining(['good-1', 'good-2']));
    const repaired = baseSession('bad', 'repaired', [textMessage(0, 'new')]);
    await store.save(repaired);
    expect(await store.load('bad'), what).toEqual(repaired);
  }

  describe(`${name}: corrupt records in storage`, () => {
    beforeEach(async () => {
      namespace = uniqueNamespace('corrupt');
      store = await options.create(namespace);
    });
    afterEach(async () => {
      await store.close();
      await options.cleanup?.(namespace);
    });

    for (const [what, damage] of DAMAGES)
      it(`${what}: SessionCorruptError naming the record; the other sessions, listing and a repairing save work`, async () => {
        const docs = await fresh();
        const record = await options.tamper(namespace, 'bad', damage);
        await expectCorrupt(() => store.load('bad'), record, `load, ${what}`);
        await expectCorrupt(() => store.get('bad'), record, `get, ${what}`);
        await expectOthersWork(docs, what);
      });

    it(`an integer JSON.parse would round (number rule: ${UNSAFE_INTEGERS}); the other sessions work`, async () => {
      const docs = await fresh();
      await options.tamper(namespace, 'bad', (raw) =>
        edit((d) => {
          d.x_big = '__BIG__';
        })(raw).replace('"__BIG__"', UNSAFE_LITERAL),
      );
      await expectUnsafeIntegerLoad(
        () => store.load('bad'),
        (d) => (d as { x_big?: unknown }).x_big,
      );
      await expectOthersWork(docs, 'unsafe integer');
    });

    it('random damage (fast-check): a valid document or SessionCorruptError, never another error; others intact', async () => {
      const docs = await fresh();
      let corrupt = 0;
      let stillValid = 0;
      const damage = fc.oneof(
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 127 }) }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          text: fc.string({ unit: 'binary', maxLength: 4 }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(damage, async (d) => {
          await store.save(docs[2] as SessionData);
          await options.tamper(namespace, 'bad', (raw) => {
            const at = d.at % (raw.length + 1);
            if (d.kind === 'cut') return raw.slice(0, at);
            if (d.kind === 'flip') return raw.slice(0, at) + String.fromCharCode(d.byte) + raw.slice(at + 1);
            return raw.slice(0, at) + d.text + raw.slice(at);
          });
          const outcome = await store.load('bad').then(
            (doc) => ({ doc }),
            (e: unknown) => ({ error: e }),
          );
          if ('error' in outcome) {
            expect(outcome.error).toBeInstanceOf(SessionCorruptError);
            corrupt++;
          } else {
            expect(outcome.doc?.id).toBe('bad');
            stillValid++;
          }
          expect(await store.load('good-1')).toEqual(docs[0]);
        }),
        { numRuns: options.runs ?? 30 },
      );
      report(`random damage: ${corrupt} loads were SessionCorruptError, ${stillValid} still a valid document`);
    }, 60_000);
  });
}
