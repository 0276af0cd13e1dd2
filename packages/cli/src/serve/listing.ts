/**
 * The list page's data: one page of summaries from the store's cursor, newest first, optionally filtered by parent
 * (the store does that) and by name (done here, so it scans), each row with the tokens and cost of its document.
 */
import { SessionCorruptError, type SessionStore, type SessionSummary } from '@agent-sessions/core';
import { mapOrdered } from '../pool.js';
import type { SessionListPage, SessionRow, UnreadableRecord } from './api-types.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Summaries one filtered request looks at before it answers with what it found and a cursor to go on. */
export const NAME_SCAN_BUDGET = 1000;
/** Documents read at once for tokens and cost: hides network round trips without holding many documents. */
const ROW_CONCURRENCY = 4;

export interface ListRequest {
  limit: number;
  cursor?: string;
  parentId?: string;
  /** Case-insensitive substring of the name or the id. */
  name?: string;
}

function matches(summary: SessionSummary, needle: string): boolean {
  return summary.name.toLowerCase().includes(needle) || summary.id.toLowerCase().includes(needle);
}

/**
 * Summaries for one page. Without a name filter that is one store page. With one, store pages of the same size are
 * read until the next would not fit whole: the cursor handed back is then the one that fetches that page, so the
 * next request starts exactly where this one stopped (store cursors are opaque: a page cannot be resumed midway).
 */
async function pageOfSummaries(
  store: SessionStore,
  request: ListRequest,
): Promise<{
  summaries: SessionSummary[];
  nextCursor: string | null;
  scanned: number;
  unreadable: UnreadableRecord[];
}> {
  const needle = request.name?.toLowerCase();
  const summaries: SessionSummary[] = [];
  const unreadable: UnreadableRecord[] = [];
  let cursor = request.cursor;
  let scanned = 0;
  for (;;) {
    const page = await store.listSessions({
      limit: request.limit,
      ...(cursor === undefined ? {} : { cursor }),
      ...(request.parentId === undefined ? {} : { parentId: request.parentId }),
    });
    const found = needle === undefined ? page.sessions : page.sessions.filter((s) => matches(s, needle));
    if (summaries.length > 0 && summaries.length + found.length > request.limit)
      return { summaries, nextCursor: cursor ?? null, scanned, unreadable };
    summaries.push(...found);
    for (const u of page.unreadable ?? [])
      unreadable.push({ id: u.id, record: u.record, code: u.error.code, message: u.error.message });
    scanned += page.sessions.length;
    if (needle === undefined || page.nextCursor === null || scanned >= NAME_SCAN_BUDGET)
      return { summaries, nextCursor: page.nextCursor, scanned, unreadable };
    cursor = page.nextCursor;
  }
}

/** Tokens and cost live in the document, not the summary: read it; a corrupt one marks its row instead of the page. */
async function toRow(store: SessionStore, summary: SessionSummary): Promise<SessionRow> {
  try {
    const session = await store.load(summary.id);
    if (session === null)
      return {
        ...summary,
        total_tokens: null,
        total_cost: null,
        problem: { code: 'SESSION_NOT_FOUND', message: 'Deleted since the list was read.' },
      };
    return {
      ...summary,
      total_tokens: session.total_usage.total_tokens,
      total_cost: session.total_cost,
      problem: null,
    };
  } catch (error) {
    if (!(error instanceof SessionCorruptError)) throw error;
    return { ...summary, total_tokens: null, total_cost: null, problem: { code: error.code, message: error.message } };
  }
}

export async function listPage(store: SessionStore, request: ListRequest): Promise<SessionListPage> {
  const { summaries, nextCursor, scanned, unreadable } = await pageOfSummaries(store, request);
  const sessions: SessionRow[] = [];
  for await (const row of mapOrdered(summaries, ROW_CONCURRENCY, (s) => toRow(store, s))) sessions.push(row);
  return { sessions, nextCursor, scanned, unreadable };
}
