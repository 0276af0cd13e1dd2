/**
 * Lost updates across processes, for every backend that several processes share: N children race on one session
 * with read-modify-save cycles (expectedRevision, retry on conflict), then with plain appends, then on creates
 * (expectedRevision 0). Nothing may be lost or applied twice, and each create round has exactly one winner.
 */
import type { SessionStore } from '@agent-sessions/core';
import { describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../namespace.js';
import { kitScript, runTogether, spawnTsChild } from './children.js';
import { baseSession, textsOf } from './model.js';
import { openStore, type StoreSpec } from './store-spec.js';

export interface LostUpdateOptions {
  /** How a process opens the store of `namespace` (a folder, a prefix, a schema, ...). */
  spec(namespace: string): StoreSpec | Promise<StoreSpec>;
  /** Removes what the namespace holds, after the test. */
  cleanup?(namespace: string): Promise<void>;
  /** Called after each race with its figures (for the run's report). */
  report?(line: string): void;
  /** Default 3. */
  processes?: number;
  /** Cycles per process; default 150. */
  cycles?: number;
  /** Time between two create rounds, in ms; default 20 (give a slow backend more, so that rounds overlap). */
  createSlotMs?: number;
  /** Per-test timeout; default 240 s (s3rver behind its gateway is slow). */
  timeoutMs?: number;
}

const byNumber = (a: number, b: number) => a - b;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function describeLostUpdates(name: string, options: LostUpdateOptions): void {
  const processes = options.processes ?? 3;
  const cycles = options.cycles ?? 150;
  const total = processes * cycles;
  const labels = Array.from({ length: processes }, (_, p) => `p${p}`);
  const expectedTexts = labels.flatMap((l) => range(0, cycles - 1).map((i) => `${l}:${i}`)).sort();
  const report = options.report ?? ((line: string) => console.info(`[lost-updates] ${name}: ${line}`));

  async function race<T>(
    mode: 'rmw' | 'append' | 'create',
    check: (store: SessionStore, results: T[]) => Promise<void>,
  ): Promise<void> {
    const namespace = uniqueNamespace(`lu_${mode}`);
    const spec = await options.spec(namespace);
    const store = await openStore(spec);
    try {
      if (mode !== 'create') await store.save(baseSession('shared', 'shared'));
      const children = labels.map((label) =>
        spawnTsChild(kitScript('lost-updates-child.ts'), [
          JSON.stringify({
            spec,
            mode,
            id: mode === 'create' ? 'race' : 'shared',
            count: cycles,
            label,
            slotMs: options.createSlotMs ?? 20,
          }),
        ]),
      );
      await check(store, await runTogether<T>(children));
    } finally {
      await store.close();
      await options.cleanup?.(namespace);
    }
  }

  /** The session holds every change once, each process's in its own order, at revision 1 + total. */
  async function expectAllChanges(store: SessionStore, revisions: number[][]): Promise<number> {
    const stored = await store.get('shared');
    const texts = stored ? textsOf(stored.session) : [];
    expect(texts.length).toBe(total);
    expect([...texts].sort()).toEqual(expectedTexts);
    for (const label of labels) {
      const mine = texts.filter((t) => t.startsWith(`${label}:`)).map((t) => Number(t.slice(label.length + 1)));
      expect(mine).toEqual(range(0, cycles - 1));
    }
    expect(stored?.revision).toBe(1 + total);
    expect(revisions.flat().sort(byNumber)).toEqual(range(2, total + 1));
    return new Set(texts).size;
  }

  describe(`${name}: lost updates across ${processes} processes`, () => {
    it(
      `${processes} × ${cycles} read-modify-save cycles with expectedRevision: every change kept exactly once`,
      async () => {
        await race<{ conflicts: number; revisions: number[] }>('rmw', async (store, results) => {
          const kept = await expectAllChanges(
            store,
            results.map((r) => r.revisions),
          );
          const conflicts = results.reduce((n, r) => n + r.conflicts, 0);
          // The processes really raced: some saves met a revision another had just taken.
          expect(conflicts).toBeGreaterThan(0);
          report(`read-modify-save: ${kept} of ${total} changes kept, ${conflicts} conflicts retried`);
        });
      },
      options.timeoutMs ?? 240_000,
    );

    it(
      `${processes} × ${cycles} appendMessages without a revision: every message kept exactly once`,
      async () => {
        await race<{ revisions: number[] }>('append', async (store, results) => {
          const kept = await expectAllChanges(
            store,
            results.map((r) => r.revisions),
          );
          report(`appendMessages: ${kept} of ${total} messages kept`);
        });
      },
      options.timeoutMs ?? 240_000,
    );

    it(
      `create races (expectedRevision 0) from ${processes} processes: exactly one winner per round`,
      async () => {
        await race<{ wins: number[]; conflicts: number }>('create', async (store, results) => {
          expect(results.flatMap((r) => r.wins).sort(byNumber)).toEqual(range(0, cycles - 1));
          expect(results.reduce((n, r) => n + r.conflicts, 0)).toBe((processes - 1) * cycles);
          for (let r = 0; r < cycles; r++) {
            const winner = labels[results.findIndex((res) => res.wins.includes(r))];
            const stored = await store.get(`race-${r}`);
            expect(stored, `round ${r}`).toMatchObject({ revision: 1, session: { config: { name: winner } } });
          }
          // The rounds were really contested: more than one process won some.
          expect(results.filter((res) => res.wins.length > 0).length).toBeGreaterThan(1);
          const won = results.map((res, p) => `${labels[p]} ${res.wins.length}`).join(', ');
          report(`create races: ${cycles} rounds, exactly one winner each (rounds won: ${won})`);
        });
      },
      options.timeoutMs ?? 240_000,
    );
  });
}
