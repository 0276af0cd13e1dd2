/**
 * The URL of a store opened by a command that only reads: `create=false` is added for the backends that would
 * otherwise create their storage on open or first use (a folder, a database file, tables). Redis and S3 create
 * nothing on open or read, and memory: is new each time, so their URLs are left as they are.
 */
import { parseStoreUrl } from '@agent-sessions/core/adapter';

/** Schemes whose adapters accept `?create=false`. */
export const CREATE_PARAM_SCHEMES: ReadonlySet<string> = new Set(['file', 'sqlite', 'postgres', 'postgresql']);

export function withoutCreate(url: string): string {
  const parsed = parseStoreUrl(url);
  if (!CREATE_PARAM_SCHEMES.has(parsed.scheme) || parsed.params.has('create')) return url;
  const trimmed = url.trim();
  return `${trimmed}${trimmed.includes('?') ? '&' : '?'}create=false`;
}
