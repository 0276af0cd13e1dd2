/** A server the test starts, kills and starts again: bounded failures, then recovery without a new store. */
import { StoreAccessError, StoreUnavailableError } from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../src/index.js';
import { hasRedisServer, type RedisProcess, startRedis } from './servers.js';

const available = await hasRedisServer();
if (!available) console.warn('store-redis fault tests skipped: the redis-server binary is not installed');

describe.skipIf(!available)('redis faults (needs the redis-server binary)', () => {
  let server: RedisProcess;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.cleanup());

  it('with the server down, every operation fails fast with StoreUnavailableError; it works again when the server is back', async () => {
    const store = new RedisSessionStore({ url: server.url, operationTimeoutMs: 1000 });
    await store.save(makeSession('survivor'));
    await server.stop();
    const calls = [
      () => store.load('survivor'),
      () => store.save(makeSession('during')),
      () => store.appendMessages('survivor', []),
      () => store.listSessions(),
      () => store.healthCheck(),
      () => store.exists('survivor'),
    ];
    for (const call of calls) {
      const started = Date.now();
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).transient).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000); // bounded (a generous bound: this is not a speed test)
    }
    await server.start(); // the data is gone (no persistence), the store must reconnect by itself
    let healthy = false;
    for (let i = 0; i < 100 && !healthy; i++) {
      healthy = await store.healthCheck().then(
        () => true,
        () => false,
      );
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy).toBe(true);
    await store.save(makeSession('after'));
    expect((await store.get('after'))?.revision).toBe(1);
    await store.close();
  }, 60_000);

  it('a store made while the server is down fails fast, then works once the server is up, without being recreated', async () => {
    await server.stop();
    const store = new RedisSessionStore({ url: server.url, operationTimeoutMs: 1000 });
    await expect(store.save(makeSession('early'))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.list()).rejects.toBeInstanceOf(StoreUnavailableError);
    await server.start();
    let saved = false;
    for (let i = 0; i < 100 && !saved; i++) {
      saved = await store.save(makeSession('early')).then(
        () => true,
        () => false,
      );
      if (!saved) await new Promise((r) => setTimeout(r, 100));
    }
    expect(saved).toBe(true);
    expect(await store.list()).toEqual(['early']);
    await store.close();
  }, 60_000);

  it('a server that accepts connections but never answers gives StoreUnavailableError within the timeout', async () => {
    const paused = new Redis(server.url);
    const store = new RedisSessionStore({ url: server.url, operationTimeoutMs: 500 });
    await store.healthCheck();
    // CLIENT PAUSE holds every client's commands: the store's call must give up on its own.
    await paused.client('PAUSE', 3000, 'ALL');
    const error = await store.load('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    await paused.client('UNPAUSE');
    paused.disconnect();
    await store.close();
  }, 30_000);
});

describe.skipIf(!available)('redis credentials (needs the redis-server binary)', () => {
  let server: RedisProcess;
  beforeAll(async () => {
    server = await startRedis(['--requirepass', 'right-password']);
  });
  afterAll(async () => server?.cleanup());

  it('a wrong or missing password gives StoreAccessError saying so, not "server unreachable"', async () => {
    const at = (auth: string) => `redis://${auth}127.0.0.1:${server.port}`;
    for (const url of [at(':wrong-password@'), at(''), at('someone:right-password@')]) {
      const store = new RedisSessionStore({ url, operationTimeoutMs: 2000 });
      for (const call of [() => store.healthCheck(), () => store.load('x'), () => store.save(makeSession('x'))]) {
        const error = await call().catch((e: unknown) => e);
        expect(error, url).toBeInstanceOf(StoreAccessError);
        expect((error as Error).message, url).toMatch(/WRONGPASS|NOAUTH/);
        expect((error as Error).message, url).toContain('Check the password');
      }
      await store.close();
    }
    // The right password works, and nothing was written by the refused saves.
    const store = new RedisSessionStore({ url: at(':right-password@') });
    await store.healthCheck();
    expect(await store.exists('x')).toBe(false);
    await store.close();
  });
});
