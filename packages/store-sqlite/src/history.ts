/**
 * The history operations' I/O, run inside the store's transactions: the segments a slice needs (found by their
 * indexed first message, never by reading the others), a truncate that rewrites only the segment it cuts, and the
 * keyed-append records kept in the session row.
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
  windowRange,
} from '@agent-sessions/core/adapter';
import type { Connection } from './connection.js';
import { BACKEND } from './options.js';
import type { HeadRow, StateRow } from './rows.js';

export interface SegmentsRead {
  head: HeadRow;
  segments: StoredSegment[];
}

interface RangeRow {
  seq: number;
  start: number;
  message_count: number;
  json: string;
}

/** The head row and the segments holding the window's messages. */
export function readSegments(c: Connection, id: string, window: ResolvedWindow): SegmentsRead | null {
  const head = c.sql.selectHead.get(id) as HeadRow | undefined;
  if (head === undefined) return null;
  const { from, to } = windowRange(window, head.message_count);
  if (to <= from) return { head, segments: [] };
  const rows = c.sql.selectRange.all({ key: head.key, from, to }) as RangeRow[];
  return {
    head,
    segments: rows.map((r) => ({ start: r.start, count: r.message_count, text: r.json, ref: r.seq })),
  };
}

/** Runs inside the write transaction, after the guard passed. */
export function truncate(c: Connection, stored: StateRow, t: SegmentTruncate<SegmentState>): Committed<SegmentState> {
  const revision = stored.revision + 1;
  if (t.cut === null) c.sql.deleteMessages.run(stored.key);
  else {
    c.sql.updateSegment.run(t.cut.count, t.cut.text, stored.key, t.cut.ref);
    c.sql.deleteSegmentsAfter.run(stored.key, t.cut.ref);
  }
  c.sql.updateTruncate.run({
    key: stored.key,
    head: t.headJson,
    updated_at: t.summary.updated_at,
    message_count: t.count,
    revision,
    messages_digest: t.digest,
    document_bytes: t.documentBytes,
  });
  return { revision, state: { count: t.count, digest: t.digest } };
}

/** A keyed append's retry: the revision it produced, or null (InvalidArgumentError for a reused key). */
export function replayed(c: Connection, stored: StateRow, id: string, key: AppendKey | undefined): number | null {
  if (key === undefined) return null;
  const text = c.sql.selectAppendKeys.pluck().get(stored.key) as string | null;
  return replayedAppend(text, key, id, BACKEND);
}

/** Records a keyed append that produced `revision`. */
export function recordKey(c: Connection, sessionKey: number, key: AppendKey | undefined, revision: number): void {
  if (key === undefined) return;
  const text = c.sql.selectAppendKeys.pluck().get(sessionKey) as string | null;
  c.sql.updateAppendKeys.run(nextAppendKeys(text, key, revision), sessionKey);
}
