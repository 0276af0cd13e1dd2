/**
 * The history operations' I/O. A slice is one statement that reads the head and only the segment rows holding the
 * slice (found through the primary key: a row's seq is the index of its first message). A truncate and a keyed
 * append are short transactions that lock the session row first, so their checks and writes are one atomic step.
 */
import {
  type AppendKey,
  type Committed,
  nextAppendKeys,
  type ResolvedWindow,
  replayedAppend,
  type SegmentState,
  type SegmentTruncate,
  type StoredSegment,
} from '@agent-sessions/core/adapter';
import type { Runner } from './executor.js';
import { BACKEND } from './options.js';
import { type QuotedNames, quoteNames, type TableNames } from './sql.js';

export interface SliceRow {
  revision: string;
  message_count: number;
  messages_digest: string;
  head: string;
  seq: number | null;
  n: number | null;
  body: string | null;
}

interface LockedRow {
  revision: string;
  message_count: number;
  messages_digest: string;
  append_keys: string | null;
}

export function historyStatements(names: TableNames) {
  const q: QuotedNames = quoteNames(names);
  // $2 from, $3 to (null: the end), $4 last (null: use from/to), resolved against the stored count.
  const from =
    'CASE WHEN $4::integer IS NULL THEN least($2::integer, s.message_count) ELSE greatest(s.message_count - $4::integer, 0) END';
  const to =
    'CASE WHEN $4::integer IS NULL THEN least(coalesce($3::integer, s.message_count), s.message_count) ELSE s.message_count END';
  return {
    slice: `SELECT s.revision, s.message_count, s.messages_digest, s.head, m.seq, m.message_count AS n, m.body
      FROM ${q.sessions} s LEFT JOIN LATERAL (
        SELECT seq, message_count, body FROM ${q.messages}
        WHERE session_id = s.id AND seq < ${to} AND seq >= (
          SELECT coalesce(max(seq), 0) FROM ${q.messages} WHERE session_id = s.id AND seq <= ${from})
        ORDER BY seq
      ) m ON ${from} < ${to}
      WHERE s.id = $1 ORDER BY m.seq`,
    lock: `SELECT revision, message_count, messages_digest, append_keys FROM ${q.sessions} WHERE id = $1 FOR UPDATE`,
    updateSegment: `UPDATE ${q.messages} SET message_count = $3, body = $4 WHERE session_id = $1 AND seq = $2`,
    deleteAfter: `DELETE FROM ${q.messages} WHERE session_id = $1 AND seq > $2`,
    deleteAll: `DELETE FROM ${q.messages} WHERE session_id = $1`,
    truncateRow: `UPDATE ${q.sessions} SET revision = revision + 1, head = $2, updated_at = $3, message_count = $4,
      messages_digest = $5, document_bytes = $6 WHERE id = $1 RETURNING revision`,
    saveKeys: `UPDATE ${q.sessions} SET append_keys = $2 WHERE id = $1`,
  };
}

export type HistoryStatements = ReturnType<typeof historyStatements>;

/** The statement values of a slice. */
export function sliceValues(id: string, window: ResolvedWindow): unknown[] {
  return 'last' in window ? [id, null, null, window.last] : [id, window.from, window.to, null];
}

/** The segments of a slice's rows (a session without segments in the window has one row of nulls). */
export function sliceSegments(rows: readonly SliceRow[]): StoredSegment[] {
  return rows
    .filter((r) => r.seq !== null && r.body !== null)
    .map((r) => ({ start: r.seq as number, count: r.n as number, text: r.body as string, ref: r.seq as number }));
}

function guard(
  row: LockedRow | undefined,
  base: SegmentState,
  expected: number | undefined,
): Committed<SegmentState> | null {
  if (row === undefined) return expected === undefined ? 'stale' : { conflict: null };
  if (expected !== undefined && Number(row.revision) !== expected) return { conflict: Number(row.revision) };
  if (row.message_count !== base.count || row.messages_digest !== base.digest) return 'stale';
  return null;
}

/** A truncate in one transaction. */
export async function truncateIn(
  tx: Runner,
  sql: HistoryStatements,
  t: SegmentTruncate<SegmentState>,
): Promise<Committed<SegmentState>> {
  const [row] = await tx<LockedRow>(sql.lock, [t.id]);
  const refused = guard(row, t.base, t.expectedRevision);
  if (refused !== null) return refused;
  if (t.cut === null) await tx(sql.deleteAll, [t.id]);
  else {
    await tx(sql.updateSegment, [t.id, t.cut.ref, t.cut.count, t.cut.text]);
    await tx(sql.deleteAfter, [t.id, t.cut.ref]);
  }
  const values = [t.id, t.headJson, t.summary.updated_at, t.count, t.digest, t.documentBytes];
  const [written] = await tx<{ revision: string }>(sql.truncateRow, values);
  return { revision: Number(written?.revision), state: { count: t.count, digest: t.digest } };
}

/**
 * A keyed append in one transaction: the row is locked, a remembered key answers its revision, else `append` (the
 * store's append statement) runs and the key is recorded.
 */
export async function keyedAppendIn(
  tx: Runner,
  sql: HistoryStatements,
  id: string,
  key: AppendKey,
  append: () => Promise<Committed<SegmentState>>,
): Promise<Committed<SegmentState>> {
  const [row] = await tx<LockedRow>(sql.lock, [id]);
  if (row === undefined) return 'stale';
  const replayed = replayedAppend(row.append_keys, key, id, BACKEND);
  if (replayed !== null) return { replayed };
  const result = await append();
  if (typeof result === 'object' && 'revision' in result)
    await tx(sql.saveKeys, [id, nextAppendKeys(row.append_keys, key, result.revision)]);
  return result;
}
