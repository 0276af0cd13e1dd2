/** Real loopback servers that answer like a failing S3: an S3-shaped error for every request, or nothing at all. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket } from 'node:net';

export interface LocalServer {
  endpoint: string;
  /** Requests received so far. */
  requests(): number;
  stop(): Promise<void>;
}

/** Answers every request with `status` and an S3 error document (`<Error><Code>…`); HEAD gets the status only. */
export async function startErrorServer(status: number, code: string, message: string): Promise<LocalServer> {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    req.resume();
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
      '<RequestId>4442587FB7D0A2F9</RequestId><HostId>local</HostId></Error>';
    res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': '4442587FB7D0A2F9' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never answers (a hung server). */
export async function startSilentServer(): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createTcpServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that nothing listens on (it was just bound and released). */
export async function closedPortEndpoint(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
