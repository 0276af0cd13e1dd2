/** Listing rules shared by every backend: the order, the opaque cursor, the limit. */
import type { ListSessionsOptions, ListSessionsResult, SessionSummary } from './contract.js';
import { InvalidArgumentError } from './errors.js';
import { isValidSessionId } from './ids.js';
import type { SessionData } from './schema.js';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

/** Position after which the next page starts. */
export interface ListPosition {
  updated_at: number;
  id: string;
}

export interface ListQuery {
  limit: number;
  after: ListPosition | null;
  parentId: string | null;
}

/** The summary fields a store keeps beside a session's head (the rest of a summary is the store's own). */
export type HeadSummary = Pick<SessionSummary, 'name' | 'state' | 'created_at' | 'updated_at' | 'parent_id'>;

export function headSummary(session: SessionData): HeadSummary {
  return {
    name: session.config.name,
    state: session.state,
    created_at: session.created_at,
    updated_at: session.updated_at,
    parent_id: session.parent_id ?? null,
  };
}

export function summarize(session: SessionData, revision: number): SessionSummary {
  return { id: session.id, ...headSummary(session), message_count: session.messages.length, revision };
}

// UTF-16 code units sort surrogates (U+D800–DFFF) below U+E000–FFFF, UTF-8 bytes sort them above. SQL (C/BINARY
// collation), Redis and S3 compare bytes, so ids are ordered by code point everywhere: shift units to match.
function unitRank(c: number): number {
  return c < 0xd800 ? c : c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** Compares ids in UTF-8 byte order (the order SQL, Redis and S3 use). */
export function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) - unitRank(y);
  }
  return a.length - b.length;
}

/** The listing order: `updated_at` descending, then `id` ascending. */
export function compareSummaries(a: ListPosition, b: ListPosition): number {
  return b.updated_at - a.updated_at || compareIds(a.id, b.id);
}

export function isAfter(item: ListPosition, after: ListPosition | null): boolean {
  return after === null || compareSummaries(item, after) > 0;
}

const CURSOR_VERSION = 'c1';

export function encodeCursor(position: ListPosition): string {
  return `${CURSOR_VERSION}.${Buffer.from(JSON.stringify([position.updated_at, position.id]), 'utf8').toString('base64url')}`;
}

export function decodeCursor(cursor: unknown, backend?: string): ListPosition {
  const bad = (why: string) =>
    new InvalidArgumentError('cursor', `${why}; pass the nextCursor of a previous listSessions call unchanged`, {
      backend,
    });
  if (typeof cursor !== 'string') throw bad('expected a string');
  const [version, body, extra] = cursor.split('.');
  if (version !== CURSOR_VERSION || body === undefined || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(body))
    throw bad('it is not a cursor this library made');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw bad('it is damaged');
  }
  if (!Array.isArray(value) || value.length !== 2 || !Number.isSafeInteger(value[0]) || !isValidSessionId(value[1]))
    throw bad('it is damaged');
  return { updated_at: value[0] as number, id: value[1] as string };
}

/** Validates listSessions options into a query every backend answers the same way. */
export function resolveListQuery(opts: ListSessionsOptions | undefined, backend?: string): ListQuery {
  if (opts === undefined || opts === null) return { limit: DEFAULT_LIST_LIMIT, after: null, parentId: null };
  if (typeof opts !== 'object')
    throw new InvalidArgumentError('listSessions options', 'expected an object', { backend });
  const { limit = DEFAULT_LIST_LIMIT, cursor, parentId } = opts;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new InvalidArgumentError('limit', `expected an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`, {
      backend,
    });
  if (parentId !== undefined && typeof parentId !== 'string')
    throw new InvalidArgumentError('parentId', 'expected a string', { backend });
  return {
    limit,
    after: cursor === undefined || cursor === null ? null : decodeCursor(cursor, backend),
    parentId: parentId ?? null,
  };
}

/**
 * Builds the page from rows already in listing order that follow the cursor and match the filter, of which the
 * caller fetched up to `limit + 1` (the extra row tells whether there is a next page).
 */
export function toPage(ordered: SessionSummary[], limit: number): ListSessionsResult {
  if (ordered.length <= limit) return { sessions: ordered, nextCursor: null };
  const sessions = ordered.slice(0, limit);
  const last = sessions[sessions.length - 1] as SessionSummary;
  return { sessions, nextCursor: encodeCursor(last) };
}

/** Answers a query over summaries held in memory (memory store, file store). */
export function pageSummaries(all: Iterable<SessionSummary>, query: ListQuery): ListSessionsResult {
  const rows: SessionSummary[] = [];
  for (const s of all)
    if ((query.parentId === null || s.parent_id === query.parentId) && isAfter(s, query.after)) rows.push(s);
  rows.sort(compareSummaries);
  return toPage(rows.length > query.limit + 1 ? rows.slice(0, query.limit + 1) : rows, query.limit);
}
