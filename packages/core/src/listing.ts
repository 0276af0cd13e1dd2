/** Listing rules shared by every backend: the order, the opaque cursor, the limit. */
import type { ListSessionsOptions, ListSessionsResult, SessionSummary, UnreadableSession } from './contract.js';
import { EncryptionKeyError, InvalidArgumentError, SessionCorruptError } from './errors.js';
import { isValidSessionId } from './ids.js';
import type { SessionData } from './schema.js';

/** The page size of `listSessions` when `limit` is omitted. */
export const DEFAULT_LIST_LIMIT = 50;
/** The largest `limit` `listSessions` accepts. */
export const MAX_LIST_LIMIT = 1000;

/** Position after which the next page starts. */
export interface ListPosition {
  /** The `updated_at` of the last row of the previous page. */
  updated_at: number;
  /** Its id. */
  id: string;
}

/** A validated `listSessions` query, as backends receive it. */
export interface ListQuery {
  /** Page size (validated, 1 to 1000). */
  limit: number;
  /** The position the page starts after (the decoded cursor), or null for the first page. */
  after: ListPosition | null;
  /** Only sessions with this top-level `parent_id`, or null for all. */
  parentId: string | null;
  /** Throw the first unreadable record's error (the base class does, from the page's `unreadable`). */
  strict: boolean;
}

/** A record in listing order that could not be read: it takes its place in the page, as a session would. */
export interface UnreadableRow extends ListPosition {
  /** What is reported in the page's `unreadable`. */
  unreadable: UnreadableSession;
}

/** A row a backend lists: a summary, or a record it could not read in its place. */
export type ListRow = SessionSummary | UnreadableRow;

/**
 * A listing row from stored summary fields: `build` reads them, and anything it throws (a field that does not parse)
 * makes the row unreadable at `position`, as SessionCorruptError naming `record`.
 */
export function listingRow(
  position: ListPosition,
  record: string,
  backend: string,
  build: () => SessionSummary,
): ListRow {
  try {
    return build();
  } catch (cause) {
    const error =
      cause instanceof SessionCorruptError || cause instanceof EncryptionKeyError
        ? cause
        : new SessionCorruptError(record, `its summary fields do not read (${(cause as Error).message})`, {
            backend,
            sessionId: position.id,
            cause,
          });
    return { ...position, unreadable: { id: position.id, record, error } };
  }
}

/** The summary fields a store keeps beside a session's head (the rest of a summary is the store's own). */
export type HeadSummary = Pick<SessionSummary, 'name' | 'state' | 'created_at' | 'updated_at' | 'parent_id'>;

/** The summary fields taken from a document's head. */
export function headSummary(session: SessionData): HeadSummary {
  return {
    name: session.config.name,
    state: session.state,
    created_at: session.created_at,
    updated_at: session.updated_at,
    parent_id: session.parent_id ?? null,
  };
}

/** The listing summary of a document at a revision. */
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

/** Whether a position comes after the cursor position in listing order (always, without a cursor). */
export function isAfter(item: ListPosition, after: ListPosition | null): boolean {
  return after === null || compareSummaries(item, after) > 0;
}

const CURSOR_VERSION = 'c1';

/** The opaque cursor of a listing position. */
export function encodeCursor(position: ListPosition): string {
  return `${CURSOR_VERSION}.${Buffer.from(JSON.stringify([position.updated_at, position.id]), 'utf8').toString('base64url')}`;
}

/** The position a cursor names; InvalidArgumentError for anything `encodeCursor` did not make. */
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
  if (opts === undefined || opts === null)
    return { limit: DEFAULT_LIST_LIMIT, after: null, parentId: null, strict: false };
  if (typeof opts !== 'object')
    throw new InvalidArgumentError('listSessions options', 'expected an object', { backend });
  const { limit = DEFAULT_LIST_LIMIT, cursor, parentId, strict = false } = opts;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new InvalidArgumentError('limit', `expected an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`, {
      backend,
    });
  if (parentId !== undefined && typeof parentId !== 'string')
    throw new InvalidArgumentError('parentId', 'expected a string', { backend });
  if (typeof strict !== 'boolean') throw new InvalidArgumentError('strict', 'expected true or false', { backend });
  return {
    limit,
    after: cursor === undefined || cursor === null ? null : decodeCursor(cursor, backend),
    parentId: parentId ?? null,
    strict,
  };
}

/**
 * Builds the page from rows already in listing order that follow the cursor and match the filter, of which the
 * caller fetched up to `limit + 1` (the extra row tells whether there is a next page). Unreadable rows hold their
 * place; `unplaced` are unreadable records whose place is unknown, reported on the first page.
 */
export function toPage(
  ordered: readonly ListRow[],
  limit: number,
  unplaced: UnreadableSession[] = [],
): ListSessionsResult {
  const page = ordered.length <= limit ? ordered : ordered.slice(0, limit);
  const sessions: SessionSummary[] = [];
  const unreadable = [...unplaced];
  for (const row of page) {
    if ('unreadable' in row) unreadable.push(row.unreadable);
    else sessions.push(row);
  }
  const last = page[page.length - 1];
  const nextCursor = ordered.length > limit && last !== undefined ? encodeCursor(last) : null;
  return { sessions, nextCursor, unreadable };
}

/** Answers a query over summaries held in memory (memory store, file store); `unreadable`: records without a place. */
export function pageSummaries(
  all: Iterable<SessionSummary>,
  query: ListQuery,
  unreadable: UnreadableSession[] = [],
): ListSessionsResult {
  const rows: SessionSummary[] = [];
  for (const s of all)
    if ((query.parentId === null || s.parent_id === query.parentId) && isAfter(s, query.after)) rows.push(s);
  rows.sort(compareSummaries);
  const page = rows.length > query.limit + 1 ? rows.slice(0, query.limit + 1) : rows;
  return toPage(page, query.limit, query.after === null ? unreadable : []);
}
