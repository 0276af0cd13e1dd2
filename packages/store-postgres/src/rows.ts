/** The rows the statements return: a load row's consistency check, and a summary row as a SessionSummary. */
import {
  type SegmentState,
  type SegmentWrite,
  SessionCorruptError,
  type SessionState,
  type SessionSummary,
} from '@agent-sessions/core/adapter';
import { BACKEND } from './options.js';
import type { SessionColumns } from './sql.js';

// pg returns bigint columns as strings (they may pass 2^53); the values here never do, so Number() is exact.
export interface StateRow {
  revision: string;
  message_count: number;
  messages_digest: string;
  document_bytes: string;
}

export interface LoadRow {
  revision: string;
  message_count: number;
  messages_digest: string;
  head: string;
  /** Messages held by the segment rows found for seq 0 … message_count - 1. */
  n: string;
  /** Their texts joined by commas, in seq order; null when there are none. */
  bodies: string | null;
}

export interface SummaryRow {
  id: string;
  name_json: string;
  state: string;
  created_at: string;
  updated_at: string;
  parent_id_json: string | null;
  message_count: number;
  revision: string;
}

function corrupt(record: string, id: string, reason: string): SessionCorruptError {
  return new SessionCorruptError(record, reason, { backend: BACKEND, sessionId: id });
}

/** SessionCorruptError naming `record` when the segment rows do not hold the messages the row records. */
export function checkLoadRow(row: LoadRow, id: string, record: string): void {
  if (Number(row.n) !== row.message_count)
    throw corrupt(record, id, `it records ${row.message_count} messages but its segments hold ${row.n}`);
}

function summaryString(record: string, id: string, json: string): string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // Reported below, like any value that is not a string.
  }
  if (typeof value !== 'string')
    throw corrupt(record, id, `a summary column holds ${json.slice(0, 40)}, not a JSON string`);
  return value;
}

export function toSummary(row: SummaryRow, record: string): SessionSummary {
  return {
    id: row.id,
    name: summaryString(record, row.id, row.name_json),
    state: row.state as SessionState,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    parent_id: row.parent_id_json === null ? null : summaryString(record, row.id, row.parent_id_json),
    message_count: row.message_count,
    revision: Number(row.revision),
  };
}

/** The sessions-table columns a whole-document write sets. */
export function sessionColumns(w: SegmentWrite<SegmentState>): SessionColumns {
  return {
    id: w.id,
    nameJson: JSON.stringify(w.summary.name),
    state: w.summary.state,
    createdAt: w.summary.created_at,
    updatedAt: w.summary.updated_at,
    parentIdJson: w.summary.parent_id === null ? null : JSON.stringify(w.summary.parent_id),
    messageCount: w.count,
    digest: w.digest,
    head: w.headJson,
    documentBytes: w.documentBytes,
  };
}
