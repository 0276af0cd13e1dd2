/**
 * Network faults between a store and its real server, through a fault proxy in this process: a paused server
 * (every call ends within operationTimeoutMs + a margin with StoreUnavailableError), delays, cut and refused
 * connections; after each fault the same store works again without being reopened; 1,000 failed calls leak no
 * socket or file descriptor; no promise is left rejected unhandled.
 */
import { type SessionStore, StoreUnavailableError } from '@agent-sessions/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../fault-proxy.js';
import { countOpenFds } from '../fds.js';
import { untilHealthy } from '../health.js';
import { uniqueNamespace } from '../namespace.js';
import { baseSession, textMessage } from './model.js';

export interface NetworkFaultOptions {
  /** The real server the proxy forwards to. */
  upstream(): { host: string; port: number } | Promise<{ host: string; port: number }>;
  /** A store of `namespace` that reaches its server through `via`, with this operation timeout. */
  create(via: { host: string; port: number }, namespace: string, operationTimeoutMs: number): Promise<SessionStore>;
  /** Sockets one store may hold open when healthy (a pool's size): the slack of the leak check. Default 1. */
  connectionsPerStore?: number;
  cleanup?(namespace: string): Promise<void>;
  report?(line: string): void;
}

const TIMEOUT_MS = 500;
/** Generous: the bound is about a call that would otherwise hang, not about speed on a loaded machine. */
const MARGIN_MS = 1_500;

type Call = [string, (store: SessionStore) => Promise<unknown>];

const CALLS: Call[] = [
  ['save', (s) => s.save(baseSession('new', 'new'))],
  ['save (expectedRevision)', (s) => s.save(baseSession('kept', 'kept'), { expectedRevision: 1 })],
  ['appendMessages', (s) => s.appendMessages('kept', [textMessage(0, 'more')])],
  ['load', (s) => s.load('kept')],
  ['get', (s) => s.get('kept')],
  ['exists', (s) => s.exists('kept')],
  ['delete', (s) => s.delete('other')],
  ['list', (s) => s.list()],
  ['listSessions', (s) => s.listSessions({ limit: 10 })],
  ['healthCheck', (s) => s.healthCheck()],
];

/** Runs `call`; returns how long it took and what it rejected with (null when it resolved). */
async function timed(call: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await call().then(
    () => null,
    (e: unknown) => e ?? new Error('rejected with nothing'),
  );
  return { ms: performance.now() - started, error };
}

export function describeNetworkFaults(name: string, options: NetworkFaultOptions): void {
  const report = options.report ?? ((line: string) => console.info(`[faults] ${name}: ${line}`));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let proxy: FaultProxy;
  let namespace: string;
  const stores: SessionStore[] = [];

  async function open(timeoutMs = TIMEOUT_MS): Promise<SessionStore> {
    const store = await options.create({ host: proxy.host, port: proxy.port }, namespace, timeoutMs);
    stores.push(store);
    return store;
  }

  /** A store with session "kept" at revision 1. */
  async function seeded(timeoutMs = TIMEOUT_MS): Promise<SessionStore> {
    const store = await open(timeoutMs);
    await store.delete('kept');
    await store.save(baseSession('kept', 'kept', [textMessage(0, 'first')]));
    return store;
  }

  /** The same store works again: it reads what was there and writes. */
  async function expectWorks(store: SessionStore): Promise<void> {
    await untilHealthy(store);
    expect((await store.load('kept'))?.config.name).toBe('kept');
    const { revision } = await store.save(baseSession('after', 'after'));
    expect(await store.get('after')).toEqual({ session: baseSession('after', 'after'), revision });
  }

  function expectUnavailableInBound(what: string, result: { ms: number; error: unknown }, boundMs: number): void {
    expect(result.error, what).toBeInstanceOf(StoreUnavailableError);
    expect((result.error as StoreUnavailableError).transient, what).toBe(true);
    expect(result.ms, what).toBeLessThan(boundMs);
  }

  describe(`${name}: network faults through a proxy`, () => {
    beforeAll(async () => {
      proxy = await startFaultProxy(await options.upstream());
      process.on('unhandledRejection', onUnhandled);
    });
    afterEach(async () => {
      proxy.resume();
      proxy.delay(0);
      await proxy.accept();
      for (const store of stores.splice(0)) await store.close().catch(() => {});
      await options.cleanup?.(namespace);
      expect(unhandled).toEqual([]);
    });
    afterAll(async () => {
      process.off('unhandledRejection', onUnhandled);
      await proxy?.stop();
    });
    const fresh = () => {
      namespace = uniqueNamespace('faults');
    };

    it('a paused server: every call ends within operationTimeoutMs + margin with StoreUnavailableError, then the same store works', async () => {
      fresh();
      const store = await seeded();
      proxy.pause();
      let max = 0;
      for (const [what, call] of CALLS) {
        const result = await timed(() => call(store));
        expectUnavailableInBound(what, result, TIMEOUT_MS + MARGIN_MS);
        max = Math.max(max, result.ms);
      }
      // All at once, too: none waits behind another.
      const together = await Promise.all(CALLS.map(([, call]) => timed(() => call(store))));
      together.forEach((result, i) => {
        expectUnavailableInBound(`${CALLS[i]?.[0]} (concurrent)`, result, TIMEOUT_MS + MARGIN_MS);
        max = Math.max(max, result.ms);
      });
      proxy.resume();
      await expectWorks(store);
      report(`paused server: max latency ${Math.round(max)} ms with operationTimeoutMs ${TIMEOUT_MS}`);
    });

    it('1,000 failed calls (paused, then refused) leak no sockets or file descriptors', async () => {
      fresh();
      const store = await seeded();
      // Every connection the store may hold is open before counting.
      await Promise.all(Array.from({ length: 8 }, () => store.load('kept')));
      const before = countOpenFds();
      const connectionsBefore = proxy.openConnections();
      let failed = 0;
      const batch = async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => timed(() => (CALLS[i % CALLS.length] as Call)[1](store))),
        );
        for (const r of results) expect(r.error).toBeInstanceOf(StoreUnavailableError);
        failed += results.length;
      };
      proxy.pause();
      for (let i = 0; i < 10; i++) await batch();
      proxy.resume();
      await untilHealthy(store);
      await proxy.refuse();
      for (let i = 0; i < 10; i++) await batch();
      await proxy.accept();
      await expectWorks(store);
      await Promise.all(Array.from({ length: 8 }, () => store.load('kept')));
      // Sockets of the failed attempts close asynchronously: give them a moment before counting.
      const slack = 3 * (options.connectionsPerStore ?? 1);
      let after = countOpenFds();
      for (let i = 0; i < 50 && after.total > before.total; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = countOpenFds();
      }
      expect(failed).toBe(1_000);
      expect(after.sockets).toBeLessThanOrEqual(before.sockets + slack);
      expect(after.total).toBeLessThanOrEqual(before.total + slack);
      report(
        `${failed} failed calls: fds ${before.total} before, ${after.total} after; sockets ${before.sockets} ` +
          `before, ${after.sockets} after; proxied connections open ${connectionsBefore} before, ` +
          `${proxy.openConnections()} after, ${proxy.acceptedConnections()} accepted in all`,
      );
    }, 120_000);

    it('a slow network: calls wait for answers within the timeout and fail in bound beyond it', async () => {
      fresh();
      const store = await seeded(2_000);
      proxy.delay(100);
      const slow = await timed(() => store.load('kept'));
      expect(slow.error).toBeNull();
      proxy.delay(5_000);
      expectUnavailableInBound('load behind a 5 s delay', await timed(() => store.load('kept')), 2_000 + MARGIN_MS);
      proxy.delay(0);
      proxy.cut(); // the delayed answers would arrive late on connections the store gave up on
      await expectWorks(store);
    });

    it('connections cut under a call in flight: the call fails in bound or succeeds once, then the store works', async () => {
      fresh();
      const store = await seeded(5_000);
      proxy.pause();
      const pending = timed(() => store.save(baseSession('kept', 'cut'), { expectedRevision: 1 }));
      await new Promise((r) => setTimeout(r, 200));
      proxy.cut();
      proxy.resume();
      const result = await pending;
      // The request never reached the server: a store may send it again on a new connection, or give up.
      if (result.error !== null) expectUnavailableInBound('save with its connection cut', result, 5_000 + MARGIN_MS);
      await untilHealthy(store);
      const after = await store.get('kept');
      expect(after).toMatchObject(
        result.error === null ? { revision: 2, session: { config: { name: 'cut' } } } : { revision: 1 },
      );
    });

    it('replies lost on a cut connection: a write the server applied is applied once, and never reported as a conflict', async () => {
      fresh();
      const store = await seeded(5_000);
      const first = [textMessage(0, 'first')];
      const writes: [string, (revision: number) => Promise<unknown>][] = [
        ['appendMessages', () => store.appendMessages('kept', [textMessage(1, 'once')])],
        ['save', () => store.save(baseSession('kept', 'saved', first))],
        [
          'save with expectedRevision',
          (r) => store.save(baseSession('kept', 'checked', first), { expectedRevision: r }),
        ],
      ];
      for (const [what, write] of writes) {
        const before = (await store.get('kept')) as { revision: number; session: { messages: unknown[] } };
        proxy.pause('replies');
        const pending = timed(() => write(before.revision));
        await new Promise((r) => setTimeout(r, 300)); // the request reached the server and ran
        proxy.cut();
        proxy.resume();
        const result = await pending;
        // Outcome unknown is a transient error; a conflict would make the caller apply its change a second time.
        if (result.error !== null) expectUnavailableInBound(`${what} with its reply lost`, result, 5_000 + MARGIN_MS);
        await untilHealthy(store);
        const after = await store.get('kept');
        const applied = (after?.revision ?? 0) > before.revision;
        expect(after?.revision, `${what}: one revision per write`).toBe(before.revision + (applied ? 1 : 0));
        if (result.error === null) expect(applied, `${what} resolved, so it was applied`).toBe(true);
        const appended = what === 'appendMessages' && applied ? 1 : 0;
        expect(after?.session.messages.length, what).toBe(
          what === 'appendMessages' ? before.session.messages.length + appended : 1,
        );
      }
    });

    it('refused connections: StoreUnavailableError within the timeout, then the same store works', async () => {
      fresh();
      const store = await seeded();
      await proxy.refuse();
      for (const [what, call] of CALLS.slice(0, 4))
        expectUnavailableInBound(`${what} refused`, await timed(() => call(store)), TIMEOUT_MS + MARGIN_MS);
      await proxy.accept();
      await expectWorks(store);
    });
  });
}
