/** The fault proxy against an echo server: it relays, holds, delays, cuts and refuses as it says. */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../src/index.js';

let echo: Server;
let proxy: FaultProxy;
beforeAll(async () => {
  echo = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await startFaultProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
});
afterAll(async () => {
  await proxy.stop();
  await new Promise((r) => echo.close(r));
});

/** A client of the proxy that collects what comes back. */
async function client(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect({ host: proxy.host, port: proxy.port });
  let data = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(5);
}

describe('fault proxy', () => {
  it('relays both ways; pause holds everything until resume, which delivers it in order', async () => {
    const c = await client();
    c.socket.write('a');
    await until(() => c.received() === 'a');
    expect(c.received()).toBe('a');
    proxy.pause();
    c.socket.write('b');
    c.socket.write('c');
    await sleep(200);
    expect(c.received()).toBe('a');
    proxy.resume();
    await until(() => c.received() === 'abc');
    expect(c.received()).toBe('abc');
    c.socket.destroy();
  });

  it("pause('replies') lets requests through and holds only the answers", async () => {
    const c = await client();
    proxy.pause('replies');
    c.socket.write('x');
    await sleep(200);
    expect(c.received()).toBe('');
    proxy.resume();
    await until(() => c.received() === 'x');
    expect(c.received()).toBe('x');
    c.socket.destroy();
  });

  it('delay holds each chunk that long and keeps the order', async () => {
    const c = await client();
    proxy.delay(150);
    const started = Date.now();
    for (const part of ['1', '2', '3']) c.socket.write(part);
    await sleep(50);
    expect(c.received()).toBe('');
    await until(() => c.received() === '123');
    expect(c.received()).toBe('123');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    proxy.delay(0);
    c.socket.destroy();
  });

  it('cut ends open connections; refuse makes connecting fail until accept', async () => {
    const c = await client();
    expect(proxy.openConnections()).toBeGreaterThan(0);
    proxy.cut();
    await c.closed;
    await proxy.refuse();
    const refused = await client().then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    await proxy.accept();
    const again = await client();
    again.socket.write('back');
    await until(() => again.received() === 'back');
    expect(again.received()).toBe('back');
    again.socket.destroy();
  });
});
