/**
 * A server that did not answer: the store's message ("Connection is closed") does not say which one. This adds the
 * host and port the URL names and what to check, for the URL of the backend that failed.
 */
import { parseStoreUrl, SessionStoreError } from '@agent-sessions/core/adapter';
import { redactUrl } from './context.js';

const DEFAULT_PORTS: Record<string, string> = { redis: '6379', rediss: '6379', postgres: '5432', postgresql: '5432' };
const BACKEND_OF: Record<string, string> = { rediss: 'redis', postgresql: 'postgres' };
const CHECK: Record<string, string> = {
  redis:
    'that redis-server runs there and listens on that address (bind, protected-mode), firewalls, and rediss:// if it expects TLS',
  postgres: 'that PostgreSQL runs there and accepts TCP connections (listen_addresses, pg_hba.conf), and firewalls',
};

/** "host:port" of a network store URL, or null for file, sqlite, memory and S3 URLs. */
export function serverOf(url: string): string | null {
  const scheme = parseStoreUrl(url).scheme;
  const port = DEFAULT_PORTS[scheme];
  if (port === undefined) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || port}`;
  } catch {
    return null;
  }
}

/** Adds the server and what to check to an unavailable-store error of a redis or postgres URL among `urls`. */
export function explainUnavailable(error: unknown, urls: readonly string[]): void {
  if (!(error instanceof SessionStoreError) || error.code !== 'STORE_UNAVAILABLE') return;
  for (const url of urls) {
    let scheme: string;
    try {
      scheme = parseStoreUrl(url).scheme;
    } catch {
      continue;
    }
    const backend = BACKEND_OF[scheme] ?? scheme;
    const server = serverOf(url);
    if (server === null || backend !== error.backend) continue;
    error.message += ` The store ${redactUrl(url)} is the ${backend} server at ${server}: check the host and port, ${CHECK[backend]}.`;
    return;
  }
}
