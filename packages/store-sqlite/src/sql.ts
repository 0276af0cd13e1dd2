/**
 * Every statement the store runs, built once from validated, double-quoted identifiers. Nothing a caller passes at
 * run time is spliced into SQL: ids, JSON and cursors are bound parameters.
 */
import { assertIdentifier } from './options.js';

/** The quoted names of everything one store's table owns. */
export interface SqlNames {
  /** The unquoted table name (as given in options). */
  readonly table: string;
  readonly sessions: string;
  readonly messages: string;
  readonly meta: string;
  readonly byUpdated: string;
  readonly byParent: string;
  readonly byStart: string;
}

/** `"name"`; the name is already validated, so it holds no quote to escape. */
function quote(name: string): string {
  return `"${name}"`;
}

/** The quoted names of what a store with this table name owns (the name is validated first). */
export function sqlNames(table: string): SqlNames {
  assertIdentifier('table', table);
  return Object.freeze({
    table,
    sessions: quote(table),
    messages: quote(`${table}_messages`),
    meta: quote(`${table}_meta`),
    byUpdated: quote(`${table}_by_updated`),
    byParent: quote(`${table}_by_parent`),
    byStart: quote(`${table}_messages_by_start`),
  });
}

const SUMMARY = 'id, name_json, state, created_at, updated_at, parent_id_json, message_count, revision';

/** Statement texts for one table. */
export function statements(n: SqlNames) {
  return { ...sessionStatements(n), ...historyStatements(n), ...listingStatements(n) } as const;
}

/** Reads and writes of session rows and their segments. */
function sessionStatements(n: SqlNames) {
  return {
    /** What a write needs to know about the stored row, read inside the write transaction. */
    selectState: `SELECT key, revision, message_count, messages_digest, document_bytes FROM ${n.sessions} WHERE id = ?`,
    /** What appendMessages reads of a session it does not remember: the guard state and the head, to check it. */
    readState: `SELECT revision, message_count, messages_digest, document_bytes, head FROM ${n.sessions} WHERE id = ?`,
    selectHead: `SELECT key, revision, message_count, messages_digest, head FROM ${n.sessions} WHERE id = ?`,
    selectMessages: `SELECT message_count, json FROM ${n.messages} WHERE session_key = ? ORDER BY seq`,
    lastSegment: `SELECT coalesce(max(seq), -1) FROM ${n.messages} WHERE session_key = ?`,
    exists: `SELECT 1 FROM ${n.sessions} WHERE id = ?`,
    insertSession:
      `INSERT INTO ${n.sessions} (id, head, name_json, state, parent_id, parent_id_json, created_at, updated_at, ` +
      'message_count, revision, messages_digest, document_bytes) VALUES (@id, @head, @name_json, @state, ' +
      '@parent_id, @parent_id_json, @created_at, @updated_at, @message_count, @revision, @messages_digest, ' +
      '@document_bytes)',
    updateSession:
      `UPDATE ${n.sessions} SET head = @head, name_json = @name_json, state = @state, parent_id = @parent_id, ` +
      'parent_id_json = @parent_id_json, ' +
      'created_at = @created_at, updated_at = @updated_at, message_count = @message_count, revision = @revision, ' +
      'messages_digest = @messages_digest, document_bytes = @document_bytes WHERE key = @key',
    updateAppend:
      `UPDATE ${n.sessions} SET message_count = @message_count, revision = @revision, ` +
      'messages_digest = @messages_digest, document_bytes = @document_bytes WHERE key = @key',
    insertSegment: `INSERT INTO ${n.messages} (session_key, seq, message_count, json, start) VALUES (?, ?, ?, ?, ?)`,
    deleteMessages: `DELETE FROM ${n.messages} WHERE session_key = ?`,
    // A rewrite overwrites the first segment in place: SQLite then reuses its pages (overflow chain included), about
    // five times cheaper for a large history than deleting the row and inserting a new one.
    updateFirstSegment: `UPDATE ${n.messages} SET message_count = ?, json = ? WHERE session_key = ? AND seq = 0`,
    deleteLaterSegments: `DELETE FROM ${n.messages} WHERE session_key = ? AND seq > 0`,
    deleteSession: `DELETE FROM ${n.sessions} WHERE key = ?`,
  } as const;
}

/** Slices, truncates and keyed appends. */
function historyStatements(n: SqlNames) {
  return {
    /** The segments holding messages [@from, @to): from the last one starting at or before @from. */
    selectRange:
      `SELECT seq, start, message_count, json FROM ${n.messages} WHERE session_key = @key AND start < @to AND ` +
      `start >= (SELECT coalesce(max(start), 0) FROM ${n.messages} WHERE session_key = @key AND start <= @from) ` +
      'ORDER BY start',
    selectAppendKeys: `SELECT append_keys FROM ${n.sessions} WHERE key = ?`,
    updateAppendKeys: `UPDATE ${n.sessions} SET append_keys = ? WHERE key = ?`,
    /** A truncate: the segment that now ends the history, and the ones after it. */
    updateSegment: `UPDATE ${n.messages} SET message_count = ?, json = ? WHERE session_key = ? AND seq = ?`,
    deleteSegmentsAfter: `DELETE FROM ${n.messages} WHERE session_key = ? AND seq > ?`,
    updateTruncate:
      `UPDATE ${n.sessions} SET head = @head, updated_at = @updated_at, message_count = @message_count, ` +
      'revision = @revision, messages_digest = @messages_digest, document_bytes = @document_bytes WHERE key = @key',
  } as const;
}

/** Listing pages and ids. */
function listingStatements(n: SqlNames) {
  // Listing pages: `updated_at <= ?` gives SQLite a range on the index's leading column, so a page seeks to the
  // cursor instead of scanning from the top; the OR then drops the ties at or before the cursor's id.
  const after = 'updated_at <= @updated AND (updated_at < @updated OR id > @id)';
  const order = 'ORDER BY updated_at DESC, id ASC LIMIT @limit';
  return {
    listIds: `SELECT id FROM ${n.sessions} ORDER BY id`,
    listFirst: `SELECT ${SUMMARY} FROM ${n.sessions} ${order}`,
    listAfter: `SELECT ${SUMMARY} FROM ${n.sessions} WHERE ${after} ${order}`,
    listParentFirst: `SELECT ${SUMMARY} FROM ${n.sessions} WHERE parent_id = @parent ${order}`,
    listParentAfter: `SELECT ${SUMMARY} FROM ${n.sessions} WHERE parent_id = @parent AND ${after} ${order}`,
  } as const;
}

export type StatementName = keyof ReturnType<typeof statements>;
