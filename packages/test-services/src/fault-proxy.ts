/**
 * A TCP proxy on loopback in front of a real server, that a test turns into a faulty network: `pause()` holds
 * every byte both ways (a hung server: connections open, nothing answers), `pause('replies')` only what the server
 * sends (requests arrive and run, their answers do not come back), `delay(ms)` holds each chunk that long,
 * `cut()` ends every connection at once (a dead peer or path), `refuse()` stops listening (connection refused) until
 * `accept()`. Each direction keeps its byte order whatever the settings.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FaultProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Holds all traffic (or only the server's replies), on open connections and new ones, until `resume()`. */
  pause(what?: 'all' | 'replies'): void;
  resume(): void;
  /** Delivers each chunk `ms` after it arrived (0: at once). */
  delay(ms: number): void;
  /** Destroys every open connection, both sides. New connections are still accepted. */
  cut(): void;
  /** Stops listening and cuts every connection: connecting gets ECONNREFUSED until `accept()`. */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  /** Client connections open now. */
  openConnections(): number;
  /** Client connections accepted so far. */
  acceptedConnections(): number;
  stop(): Promise<void>;
}

interface Direction {
  /** True for the server's side: what it sends back. */
  replies: boolean;
  from: Socket;
  to: Socket;
  queue: { at: number; chunk: Buffer }[];
  timer: NodeJS.Timeout | null;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let paused: 'all' | 'replies' | null = null;
  const held = (d: Direction) => paused === 'all' || (paused === 'replies' && d.replies);
  let delayMs = 0;
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();
  const directions = new Set<Direction>();

  const flush = (d: Direction) => {
    d.timer = null;
    if (held(d)) return;
    const now = Date.now();
    while (d.queue.length > 0 && (d.queue[0] as { at: number }).at <= now) {
      const { chunk } = d.queue.shift() as { chunk: Buffer };
      if (!d.to.destroyed) d.to.write(chunk);
    }
    if (d.queue.length > 0) d.timer = setTimeout(() => flush(d), (d.queue[0] as { at: number }).at - now);
  };

  const relay = (from: Socket, to: Socket, replies: boolean) => {
    const d: Direction = { replies, from, to, queue: [], timer: null };
    directions.add(d);
    from.on('data', (chunk: Buffer) => {
      d.queue.push({ at: Date.now() + delayMs, chunk });
      if (d.timer === null) flush(d);
    });
    from.on('close', () => {
      if (d.timer) clearTimeout(d.timer);
      directions.delete(d);
    });
    if (held(d)) from.pause();
  };

  const onConnection = (client: Socket) => {
    accepted++;
    const upstream = connect({ host: target.host, port: target.port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const s of pair) {
      s.on('error', () => {});
      // Either side gone: the other goes too, as a proxy or middlebox would.
      s.on('close', () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, false);
    relay(upstream, client, true);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  let listening = true;

  const cut = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };

  const refuse = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    cut();
    await closed;
  };

  return {
    host: '127.0.0.1',
    port,
    pause(what = 'all') {
      paused = what;
      for (const d of directions) if (held(d)) d.from.pause();
    },
    resume() {
      paused = null;
      for (const d of directions) {
        d.from.resume();
        if (d.timer === null) flush(d);
      }
    },
    delay(ms) {
      delayMs = ms;
    },
    cut,
    refuse,
    async accept() {
      if (listening) return;
      server = createServer(onConnection);
      await listen(port);
      listening = true;
    },
    openConnections: () => pairs.size,
    acceptedConnections: () => accepted,
    stop: refuse,
  };
}
