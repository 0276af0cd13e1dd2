/**
 * A real HTTP server on loopback that sits in front of an S3 server which ignores conditional headers (s3rver) and
 * enforces them the way AWS S3 does: a PUT or DELETE of an object with If-None-Match: * or If-Match is checked
 * against the object's current ETag and refused with a 412 PreconditionFailed (404 NoSuchKey for If-Match on a
 * missing object), atomically with the write. Requests on one object key are serialized, reads included: s3rver
 * writes an object's bytes, ETag and metadata as separate files, so a read during a write could see a mix, where S3
 * shows the old or the new object whole. s3rver also answers a PUT before its file is fully written, so after a
 * successful PUT the gateway waits (bounded) until a HEAD reports the uploaded length before it lets the next
 * request on that key through. Bucket-level requests (listings) are forwarded unchanged. With it, the conditional-write path of the store runs against real HTTP on machines without MinIO.
 * Where test-services finds a server that honours conditional writes itself, tests use that server directly.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConditionalGateway {
  endpoint: string;
  /** Conditional requests refused so far (so tests can show the race really happened). */
  refused(): number;
  stop(): Promise<void>;
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>gateway</RequestId></Error>`;
}

export interface GatewayOptions {
  /** `not-implemented`: answer a conditional DELETE with 501, as some S3-compatible servers do. Default `enforce`. */
  conditionalDeletes?: 'enforce' | 'not-implemented';
}

export async function startConditionalGateway(
  upstream: string,
  options: GatewayOptions = {},
): Promise<ConditionalGateway> {
  const target = new URL(upstream);
  const locks = new Map<string, Promise<void>>();
  let refused = 0;

  /** Sends a request upstream and pipes its answer to `res`; resolves when the answer is complete. */
  const forward = (req: IncomingMessage, res: ServerResponse, body: IncomingMessage | null): Promise<number> =>
    new Promise((resolve) => {
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          timeout: 30_000,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve(answer.statusCode ?? 502));
          answer.on('error', () => resolve(502));
        },
      );
      up.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/xml' });
        res.end(errorXml('InternalError', error.message));
        resolve(502);
      });
      if (body === null) up.end();
      else body.pipe(up);
    });

  /** The current ETag and length of an object, or null, asked upstream with a HEAD of the same path. */
  const currentObject = (
    path: string,
    headers: IncomingMessage['headers'],
  ): Promise<{ etag: string; length: number } | null> =>
    new Promise((resolve, reject) => {
      const head = request(
        {
          host: target.hostname,
          port: target.port,
          method: 'HEAD',
          path,
          headers: { ...headers, 'content-length': '0' },
          timeout: 30_000,
        },
        (answer) => {
          answer.resume();
          if (answer.statusCode === 404) resolve(null);
          else if (answer.statusCode === 200)
            resolve({ etag: String(answer.headers.etag ?? ''), length: Number(answer.headers['content-length']) });
          else reject(new Error(`HEAD ${path} answered ${answer.statusCode}`));
        },
      );
      head.on('error', reject);
      head.end();
    });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const parts = url.pathname.split('/').filter(Boolean);
    const bodyless = req.method === 'GET' || req.method === 'HEAD';
    if (parts.length < 2) {
      void forward(req, res, bodyless ? null : req);
      return;
    }
    const key = url.pathname;
    const previous = locks.get(key) ?? Promise.resolve();
    const done = previous.then(async () => {
      const ifNoneMatch = req.headers['if-none-match'];
      const ifMatch = req.headers['if-match'];
      const { 'if-none-match': _a, 'if-match': _b, authorization: _c, ...headers } = req.headers;
      delete headers['content-length'];
      delete headers['content-type'];
      delete headers['content-encoding'];
      delete headers['transfer-encoding'];
      if (req.method === 'DELETE' && ifMatch !== undefined && options.conditionalDeletes === 'not-implemented') {
        res.writeHead(501, { 'content-type': 'application/xml' });
        res.end(errorXml('NotImplemented', 'A header you provided implies functionality that is not implemented'));
        return;
      }
      if (!bodyless && (ifNoneMatch !== undefined || ifMatch !== undefined)) {
        let etag: string | null;
        try {
          etag = (await currentObject(url.pathname, headers))?.etag ?? null;
        } catch (error) {
          req.resume();
          res.writeHead(502, { 'content-type': 'application/xml' });
          res.end(errorXml('InternalError', (error as Error).message));
          return;
        }
        let failure: [number, string] | null = null;
        if (ifNoneMatch === '*' && etag !== null) failure = [412, 'PreconditionFailed'];
        else if (ifMatch !== undefined && etag === null) failure = [404, 'NoSuchKey'];
        else if (ifMatch !== undefined && ifMatch !== etag) failure = [412, 'PreconditionFailed'];
        if (failure !== null) {
          refused++;
          req.resume();
          res.writeHead(failure[0], { 'content-type': 'application/xml' });
          res.end(errorXml(failure[1], 'At least one of the pre-conditions you specified did not hold'));
          return;
        }
      }
      const length = Number(req.headers['content-length']);
      const status = await forward(req, res, bodyless ? null : req);
      if (req.method === 'PUT' && status === 200 && Number.isFinite(length)) {
        for (let i = 0; i < 2_000; i++) {
          const now = await currentObject(url.pathname, headers).catch(() => null);
          if (now?.length === length) break;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    });
    const settled = done.catch(() => {});
    locks.set(key, settled);
    void settled.then(() => {
      if (locks.get(key) === settled) locks.delete(key);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refused: () => refused,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
