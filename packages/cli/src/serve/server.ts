/**
 * The viewer's HTTP server (node:http): the page's files, the JSON API, and the headers that keep untrusted
 * session content inert. It only reads the store, except `DELETE /api/session` when deletes were allowed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionStore } from '@agent-sessions/core';
import { type ApiBody, handleApi } from './api.js';
import type { ApiErrorBody, ViewerInfo } from './api-types.js';
import { type AssetTable, loadAssets } from './assets.js';
import { errorAnswer, HttpError } from './http-errors.js';
import { allowedHostHeaders, isLoopbackHost, refusal, SECURITY_HEADERS } from './security.js';

export interface ViewerOptions {
  store: SessionStore;
  /** Address to bind. A loopback one also makes the server refuse requests addressed to any other host name. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  allowDelete: boolean;
  /** The store URL as shown in the page (password hidden). */
  storeLabel: string;
  version: string;
  /** Default: the files built into this package. */
  assets?: AssetTable;
  /** Errors nothing explains (a bug, a driver's surprise); they are answered with a 500 too. */
  onUnexpectedError?: (error: unknown) => void;
}

export interface Viewer {
  /** `http://host:port/`, to open in a browser. */
  readonly url: string;
  readonly port: number;
  readonly info: ViewerInfo;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  extra: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  response.end(body);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: ApiBody | ApiErrorBody,
  extra?: Readonly<Record<string, string>>,
): void {
  // `<` escaped: a JSON body is never HTML, even when a browser is pointed at it by hand.
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(body).replace(/</g, '\\u003c'), extra);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const assets = options.assets ?? loadAssets();
  const info: ViewerInfo = {
    backend: options.store.backendName,
    store: options.storeLabel,
    allowDelete: options.allowDelete,
    version: options.version,
  };
  const ctx = { store: options.store, info };
  let allowedHosts: Set<string> | null = null;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = request.url ?? '/';
    const query = raw.indexOf('?');
    const path = query === -1 ? raw : raw.slice(0, query);
    const params = new URLSearchParams(query === -1 ? '' : raw.slice(query + 1));
    const method = request.method ?? 'GET';
    try {
      const refused = refusal(request, allowedHosts);
      if (refused !== null) throw new HttpError(403, 'FORBIDDEN', refused);
      if (path.startsWith('/api/')) {
        sendJson(response, 200, await handleApi(method, path, params, ctx));
        return;
      }
      const asset = assets.get(path);
      if (asset === undefined) throw new HttpError(404, 'NOT_FOUND', `Nothing at ${path}; the viewer is at /.`);
      if (method !== 'GET' && method !== 'HEAD')
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${path} answers GET, not ${method}.`, { Allow: 'GET, HEAD' });
      send(response, 200, asset.contentType, asset.body, { 'Cache-Control': 'no-cache' });
    } catch (error) {
      const answer = errorAnswer(error);
      if (answer.unexpected) options.onUnexpectedError?.(error);
      if (path.startsWith('/api/')) sendJson(response, answer.status, answer.body, answer.headers);
      else send(response, answer.status, 'text/plain; charset=utf-8', `${answer.body.error.message}\n`, answer.headers);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      options.onUnexpectedError?.(error);
      response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(new Error(`port ${options.port} on ${options.host} is in use; choose another with --port`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(new Error(`cannot listen on "${options.host}": no such address on this machine`));
      else reject(error);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  if (isLoopbackHost(options.host)) allowedHosts = allowedHostHeaders(options.host, port);
  return {
    url: `http://${urlHost(options.host)}:${port}/`,
    port,
    info,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
