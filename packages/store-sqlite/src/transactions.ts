/**
 * The bodies of the store's transactions: each runs inside one better-sqlite3 transaction the store opens
 * (`BEGIN IMMEDIATE` for writes), so its checks and writes are one step for every process using the file.
 */
import type {
  Committed,
  ListQuery,
  SegmentAppend,
  SegmentState,
  SegmentTruncate,
  SegmentWrite,
} from '@agent-sessions/core/adapter';
import type Database from 'better-sqlite3';
import type { Connection } from './connection.js';
import { recordKey, replayed, truncate } from './history.js';
import type { HeadRow, SegmentRow, StateRow, SummaryRow } from './rows.js';

/** The head row and every segment row of a session (inside a read transaction: one snapshot). */
export function readRows(c: Connection, id: string): { head: HeadRow; segments: SegmentRow[] } | null {
  const head = c.sql.selectHead.get(id) as HeadRow | undefined;
  if (head === undefined) return null;
  return { head, segments: c.sql.selectMessages.all(head.key) as SegmentRow[] };
}

/** A whole-document write: the session row, then its segments (appended to, or replaced). */
export function writeRows(c: Connection, w: SegmentWrite<SegmentState>): Committed<SegmentState> {
  const { sql } = c;
  const stored = sql.selectState.get(w.id) as StateRow | undefined;
  const guard = checkGuard(stored, w.base, w.expectedRevision);
  if (guard !== null) return guard;
  const revision = (stored?.revision ?? 0) + 1;
  const row = {
    id: w.id,
    head: w.headJson,
    name_json: JSON.stringify(w.summary.name),
    state: w.summary.state,
    parent_id: w.summary.parent_id,
    parent_id_json: JSON.stringify(w.summary.parent_id),
    created_at: w.summary.created_at,
    updated_at: w.summary.updated_at,
    message_count: w.count,
    revision,
    messages_digest: w.digest,
    document_bytes: w.documentBytes,
  };
  if (stored === undefined) insertSegment(c, Number(sql.insertSession.run(row).lastInsertRowid), w.text, w.added, 0);
  else {
    sql.updateSession.run({ ...row, key: stored.key });
    if (w.rewrite) rewriteSegments(c, stored.key, w.text, w.added);
    else insertSegment(c, stored.key, w.text, w.added, w.from);
  }
  return { revision, state: { count: w.count, digest: w.digest } };
}

/** An append: one new segment row, the counters, and the idempotency key when there is one. */
export function appendRows(c: Connection, a: SegmentAppend<SegmentState>): Committed<SegmentState> {
  const stored = c.sql.selectState.get(a.id) as StateRow | undefined;
  if (stored === undefined) return 'stale';
  const replay = replayed(c, stored, a.id, a.key);
  if (replay !== null) return { replayed: replay };
  const guard = checkGuard(stored, a.base, a.expectedRevision);
  if (guard !== null) return guard;
  const bytes = stored.document_bytes + a.addedBytes;
  if (bytes > a.maxDocumentBytes) return 'stale';
  const revision = stored.revision + 1;
  c.sql.updateAppend.run({
    key: stored.key,
    message_count: a.count,
    revision,
    messages_digest: a.digest,
    document_bytes: bytes,
  });
  insertSegment(c, stored.key, a.text, a.added, stored.message_count);
  recordKey(c, stored.key, a.key, revision);
  return { revision, state: { count: a.count, digest: a.digest } };
}

export function truncateRows(c: Connection, t: SegmentTruncate<SegmentState>): Committed<SegmentState> {
  const stored = c.sql.selectState.get(t.id) as StateRow | undefined;
  if (stored === undefined) return { conflict: null };
  return checkGuard(stored, t.base, t.expectedRevision) ?? truncate(c, stored, t);
}

export function removeRows(c: Connection, id: string): boolean {
  const stored = c.sql.selectState.get(id) as StateRow | undefined;
  if (stored === undefined) return false;
  c.sql.deleteMessages.run(stored.key);
  c.sql.deleteSession.run(stored.key);
  return true;
}

/** One page of summary rows (`limit + 1` of them) in listing order, from the statement that fits the query. */
export function listRows(c: Connection, query: ListQuery): SummaryRow[] {
  const { sql } = c;
  const params = {
    limit: query.limit + 1,
    parent: query.parentId,
    updated: query.after?.updated_at ?? null,
    id: query.after?.id ?? null,
  };
  const statement =
    query.parentId === null
      ? query.after === null
        ? sql.listFirst
        : sql.listAfter
      : query.after === null
        ? sql.listParentFirst
        : sql.listParentAfter;
  return statement.all(pick(statement, params)) as SummaryRow[];
}

/** Adds one segment row of `count` messages from index `start` (nothing when there are none). */
function insertSegment(c: Connection, key: number, text: string, count: number, start: number): void {
  if (count === 0) return;
  const seq = (c.sql.lastSegment.pluck().get(key) as number) + 1;
  c.sql.insertSegment.run(key, seq, count, text, start);
}

/** Replaces every segment of a session by one holding `count` messages (none when `count` is 0). */
function rewriteSegments(c: Connection, key: number, text: string, count: number): void {
  const { sql } = c;
  // Segment 0 exists whenever any does (the first segment of a session is 0 and rewrites keep it).
  if (count > 0 && sql.updateFirstSegment.run(count, text, key).changes === 1) sql.deleteLaterSegments.run(key);
  else {
    sql.deleteMessages.run(key);
    insertSegment(c, key, text, count, 0);
  }
}

/** The commit's answer when the stored row is not what the write expects, or null to go ahead. */
function checkGuard(
  stored: StateRow | undefined,
  base: SegmentState | null,
  expectedRevision: number | undefined,
): Committed<SegmentState> | null {
  if (expectedRevision !== undefined && (stored?.revision ?? 0) !== expectedRevision)
    return { conflict: stored?.revision ?? null };
  if (stored === undefined) return base === null ? null : 'stale';
  if (base === null || stored.message_count !== base.count || stored.messages_digest !== base.digest) return 'stale';
  return null;
}

/** better-sqlite3 refuses named parameters a statement does not use: pass only those it has. */
function pick(statement: Database.Statement, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of statement.source.match(/@\w+/g) ?? []) out[column.slice(1)] = params[column.slice(1)];
  return out;
}
