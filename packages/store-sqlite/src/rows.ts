/** The rows the statements return, and a summary row as a SessionSummary. */
import type { SessionState, SessionSummary } from '@agent-sessions/core/adapter';

export interface StateRow {
  key: number;
  revision: number;
  message_count: number;
  messages_digest: string;
  document_bytes: number;
}

export interface HeadRow {
  key: number;
  revision: number;
  message_count: number;
  messages_digest: string;
  head: string;
}

export interface SegmentRow {
  message_count: number;
  json: string;
}

export interface SummaryRow {
  id: string;
  /** Strings are kept as JSON literals, so any string (a NUL, a lone surrogate) is stored exactly. */
  name_json: string;
  state: string;
  created_at: number;
  updated_at: number;
  parent_id_json: string;
  message_count: number;
  revision: number;
}

export function toSummary(row: SummaryRow): SessionSummary {
  return {
    id: row.id,
    name: JSON.parse(row.name_json) as string,
    state: row.state as SessionState,
    created_at: row.created_at,
    updated_at: row.updated_at,
    parent_id: JSON.parse(row.parent_id_json) as string | null,
    message_count: row.message_count,
    revision: row.revision,
  };
}
