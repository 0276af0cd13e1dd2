/**
 * Crash safety: a child process writes 2,000-message sessions in a loop (crash-child.ts) and is killed with
 * SIGKILL at random moments. After each kill a fresh store in this process must load every session as a complete
 * committed version no older than the last write the child saw acknowledged, save it again at once (no wait on a
 * lock the dead child held), and leave no temp or lock file behind.
 */
import type { SessionStore } from '@agent-sessions/core';
import { describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../namespace.js';
import { kitScript, spawnTsChild, type TsChild } from './children.js';
import { generationOf, versionAt } from './crash-model.js';
import { openStore, type StoreSpec } from './store-spec.js';

export interface CrashSafetyOptions {
  /** How the child opens the store of `namespace`. */
  spec(namespace: string): StoreSpec | Promise<StoreSpec>;
  /**
   * Options for the store that checks after each kill, merged over the child's: short lock or busy timeouts, so a
   * lock left by the dead child fails the save instead of being waited out.
   */
  checkOptions: Record<string, unknown>;
  /** Temp, lock or journal files in the namespace's storage after the check's store closed; must be none. */
  leftovers(namespace: string): Promise<string[]>;
  /** Default 50. */
  kills?: number;
  report?(line: string): void;
  timeoutMs?: number;
}

/** A small seeded generator (mulberry32), so that a failing run can be replayed with CRASH_SEED. */
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

interface Acked {
  g: number;
  revision: number;
}

export function describeCrashSafety(name: string, options: CrashSafetyOptions): void {
  const target = options.kills ?? 50;
  const report = options.report ?? ((line: string) => console.info(`[crash] ${name}: ${line}`));
  const ids = ['crash-a', 'crash-b'];

  describe(`${name}: SIGKILL at random moments`, () => {
    it(
      `${target} kills of a process saving and appending 2,000-message sessions lose nothing acknowledged`,
      async () => {
        const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
        const rand = random(seed);
        const namespace = uniqueNamespace('crash');
        const spec = await options.spec(namespace);
        const checkSpec = { ...spec, options: { ...spec.options, ...options.checkOptions } };
        const acked = new Map<string, Acked>();
        const spawnChild = () => spawnTsChild(kitScript('crash-child.ts'), [JSON.stringify({ spec, ids })]);
        let next: TsChild = spawnChild();
        let kills = 0;
        let loads = 0;
        let committedUnacked = 0;
        let acks = 0;
        let duringWrite = 0;
        try {
          while (kills < target) {
            const child = next;
            await child.waitFor((line) => line === 'ready');
            // What the child was writing when it died (a holder, so that the callback's writes are seen below).
            const flight: { now: { id: string; g: number } | null } = { now: null };
            let seen = 0;
            let onAck: () => void = () => {};
            child.onLine((line) => {
              const [kind, id = '', g = '', revision = ''] = line.split(' ');
              if (kind === 'try') flight.now = { id, g: Number(g) };
              if (kind !== 'ack') return;
              acked.set(id, { g: Number(g), revision: Number(revision) });
              flight.now = null;
              seen++;
              acks++;
              onAck();
            });
            const wanted = Math.floor(rand() * 5);
            const reached = new Promise<void>((resolve) => {
              onAck = () => seen >= wanted && resolve();
              onAck();
            });
            child.send('go');
            // The next child loads its code while this one works; it opens the store only when told to.
            next = spawnChild();
            const exitedEarly = child.exited.then((exit) => {
              throw new Error(`the writer exited by itself (${exit.code ?? exit.signal}): ${exit.stderr}`);
            });
            exitedEarly.catch(() => {}); // raced just below; later it only means "killed", checked by the signal
            await Promise.race([reached, exitedEarly]);
            await new Promise((resolve) => setTimeout(resolve, rand() * 40));
            if (flight.now !== null) duringWrite++;
            expect((await child.kill()).signal).toBe('SIGKILL');
            kills++;

            const store: SessionStore = await openStore(checkSpec);
            try {
              for (const id of ids) {
                const last = acked.get(id);
                const pending = flight.now?.id === id ? flight.now : null;
                const stored = await store.get(id);
                loads++;
                if (stored === null) {
                  expect(last, `${id} is missing after kill ${kills}`).toBeUndefined();
                  continue;
                }
                const g = generationOf(stored.session);
                const base = last ?? { g: 0, revision: 0 };
                // The last acknowledged version, or the one being written when the child died: nothing else.
                const allowed = pending ? [base.g, pending.g] : [base.g];
                expect(allowed, `${id} after kill ${kills} (seed ${seed})`).toContain(g);
                const expected = versionAt(id, g);
                if (JSON.stringify(stored.session) !== JSON.stringify(expected))
                  expect(stored.session).toEqual(expected);
                expect(stored.revision).toBe(base.revision + (g - base.g));
                if (g !== base.g) committedUnacked++;
                // The very next save: at once, although the child may have died holding a lock.
                expect(await store.save(stored.session, { expectedRevision: stored.revision })).toEqual({
                  revision: stored.revision + 1,
                });
                acked.set(id, { g, revision: stored.revision + 1 });
              }
            } finally {
              await store.close();
            }
            expect(await options.leftovers(namespace), `after kill ${kills}`).toEqual([]);
          }
        } finally {
          await next.kill();
        }
        report(
          `${kills} kills (seed ${seed}; ${duringWrite} with a write in flight), ${acks} acknowledged writes, ` +
            `${loads} loads after a kill: 0 corrupt or older than acknowledged, ${committedUnacked} found the write ` +
            'in flight committed',
        );
      },
      options.timeoutMs ?? 180_000,
    );
  });
}
