/**
 * What keeps the viewer from being a way into the sessions: headers that stop injected content from running, and
 * a Host check against DNS rebinding (a web page whose name is made to resolve to 127.0.0.1 would otherwise read
 * the API as its own origin).
 */
import type { IncomingMessage } from 'node:http';

/** Scripts and styles only from this server, images only as data: URLs, no frames, no plugins, no foreign fetch. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src data:',
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for a host that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The `Host` values a loopback-bound server answers to: its address or `localhost`, with its port. */
export function allowedHostHeaders(host: string, port: number): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]', host.includes(':') ? `[${host}]` : host]);
  return new Set([...names].map((name) => `${name}:${port}`.toLowerCase()));
}

/**
 * A request a loopback server must refuse: addressed to another host name, or (for a write) sent by a page of
 * another origin. `allowed` is null when the user chose to serve beyond this machine (`--host`).
 */
export function refusal(request: IncomingMessage, allowed: ReadonlySet<string> | null): string | null {
  const host = request.headers.host?.toLowerCase();
  if (allowed !== null && (host === undefined || !allowed.has(host)))
    return `This viewer answers only on this machine's loopback address, not to the host "${host ?? ''}".`;
  const origin = request.headers.origin;
  if (request.method !== 'GET' && request.method !== 'HEAD' && origin !== undefined && origin !== `http://${host}`)
    return `Requests from another site (${origin}) are refused.`;
  return null;
}
