/**
 * Memory: 10,000 saves of distinct 200-message sessions keep the heap bounded by the store's remembered-history
 * budget (`historyCacheBytes`). A child process (--expose-gc) saves and reports its heap after a full GC every
 * 1,000 saves. The heap may grow from its level before the first save by twice the budget (the budget counts
 * characters of message text; the copies also cost their objects) plus a small slack, and the second half of the
 * run may not grow it further by more than the slack. For scale, on sqlite: 10.5 MiB with a budget of 0, 14.4 MiB
 * with 4 MiB, 32.9 MiB with 1 GiB (then the 1,000-session cap binds), so a store that ignored the budget fails.
 */
import { describe, expect, it } from 'vitest';
import { uniqueNamespace } from '../namespace.js';
import { kitScript, spawnTsChild } from './children.js';
import type { StoreSpec } from './store-spec.js';

export interface MemoryBoundOptions {
  /** The store of `namespace` with `historyCacheBytes` set to the budget. */
  spec(namespace: string, historyCacheBytes: number): StoreSpec | Promise<StoreSpec>;
  cleanup?(namespace: string): Promise<void>;
  /** Default 10,000. */
  sessions?: number;
  /** Default 4 MiB. */
  historyCacheBytes?: number;
  report?(line: string): void;
  timeoutMs?: number;
}

const MiB = 1024 * 1024;
/** Room for what is not the cache: lazily compiled code, the driver's buffers, V8's own bookkeeping. */
const SLACK = 4 * MiB;

export function describeMemoryBound(name: string, options: MemoryBoundOptions): void {
  const sessions = options.sessions ?? 10_000;
  const budget = options.historyCacheBytes ?? 4 * MiB;
  const report = options.report ?? ((line: string) => console.info(`[memory] ${name}: ${line}`));
  describe(`${name}: memory`, () => {
    it(
      `${sessions} saves of distinct 200-message sessions keep the heap within historyCacheBytes + slack`,
      async () => {
        const namespace = uniqueNamespace('mem');
        const spec = await options.spec(namespace, budget);
        const child = spawnTsChild(
          kitScript('memory-child.ts'),
          [JSON.stringify({ spec, sessions, messages: 200, sampleEvery: 1_000 })],
          { nodeArgs: ['--expose-gc'], timeoutMs: (options.timeoutMs ?? 300_000) - 5_000 },
        );
        try {
          await child.waitFor((line) => line === 'ready');
          child.send('go');
          await child.waitFor((line) => line === 'done');
          const exit = await child.exited;
          expect(exit.code, exit.stderr).toBe(0);
        } finally {
          await child.kill();
          await options.cleanup?.(namespace);
        }
        const samples = child.lines
          .filter((l) => l.startsWith('heap '))
          .map((l) => l.split(' ').map(Number) as [number, number, number])
          .map(([, saves, bytes]) => ({ saves, bytes }));
        expect(samples.length).toBe(sessions / 1_000 + 1);
        const start = samples[0]?.bytes as number; // store open and healthy, nothing saved yet
        const middle = samples[Math.floor(samples.length / 2)]?.bytes as number;
        const end = samples.at(-1)?.bytes as number;
        const peak = Math.max(...samples.map((s) => s.bytes));
        expect(peak - start).toBeLessThan(2 * budget + SLACK);
        expect(end - middle).toBeLessThan(SLACK);
        const mb = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
        report(
          `historyCacheBytes ${mb(budget)}: heap after GC ${mb(start)} before the first save, ` +
            `${mb(samples[1]?.bytes as number)} after 1,000 saves, ${mb(middle)} at ${samples[Math.floor(samples.length / 2)]?.saves}, ${mb(end)} ` +
            `after ${sessions}; peak ${mb(peak)}`,
        );
      },
      options.timeoutMs ?? 300_000,
    );
  });
}
