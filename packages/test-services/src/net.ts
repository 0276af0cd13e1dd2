import { connect, type NetConnectOpts } from 'node:net';

export type SocketTarget = { host: string; port: number } | { path: string };

export function describeTarget(target: SocketTarget): string {
  return 'path' in target ? target.path : `${target.host}:${target.port}`;
}

/**
 * Connects, writes `request` (when given) and collects the answer until `complete` says it is whole, the peer
 * closes, or `timeoutMs` passes. Rejects on connection errors and timeouts.
 */
export function exchange(
  target: SocketTarget,
  request: string | null,
  complete: (received: Buffer) => boolean,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const options: NetConnectOpts = 'path' in target ? { path: target.path } : { host: target.host, port: target.port };
    const socket = connect(options);
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(received);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${describeTarget(target)} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => {
      if (request === null) finish(null);
      else socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received)) finish(null);
    });
    socket.once('end', () => {
      if (received.length > 0) finish(null);
      else finish(new Error(`${describeTarget(target)} closed the connection without answering`));
    });
    socket.once('error', (error) => finish(error));
  });
}

/** Resolves when a TCP connection to host:port opens within `timeoutMs`. */
export async function canConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  await exchange({ host, port }, null, () => true, timeoutMs);
}
