/**
 * Every statement the store runs, built once per store from validated, double-quoted identifiers. Values always
 * travel as parameters. No statement is named: named prepared statements outlive the transaction, which breaks
 * behind a transaction-mode pooler (PgBouncer), so pg's unnamed statement is used every time.
 */
import { createHash } from 'node:crypto';

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1). */
const MAX_IDENTIFIER = 63;

export function quoteIdent(name: string): string {
  // Names are validated as [A-Za-z0-9_]; doubling quotes keeps this safe for any other caller too.
  return `"${name.replace(/"/g, '""')}"`;
}

/** `<base>_<suffix>`, shortened with a hash of `base` when it would pass 63 characters (so two names never clash). */
export function derivedName(base: string, suffix: string): string {
  const full = `${base}_${suffix}`;
  if (full.length <= MAX_IDENTIFIER) return full;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, MAX_IDENTIFIER - suffix.length - hash.length - 2)}_${hash}_${suffix}`;
}

/** The unquoted names of one store's schema, tables and indexes. */
export interface TableNames {
  /** The schema. */
  schema: string;
  /** The sessions table. */
  table: string;
  /** The messages table (`<table>_messages`). */
  messages: string;
  /** The migrations table (`<table>_migrations`). */
  migrations: string;
  /** The listing index. */
  listIndex: string;
  /** The listing-by-parent index. */
  parentIndex: string;
}

/** The names of the tables and indexes a store with this schema and table name uses. */
export function tableNames(schema: string, table: string): TableNames {
  return {
    schema,
    table,
    messages: derivedName(table, 'messages'),
    migrations: derivedName(table, 'migrations'),
    listIndex: derivedName(table, 'list_idx'),
    parentIndex: derivedName(table, 'parent_idx'),
  };
}

/** Quoted, schema-qualified names for SQL text. */
export interface QuotedNames {
  schema: string;
  sessions: string;
  messages: string;
  migrations: string;
  listIndex: string;
  parentIndex: string;
}

export function quoteNames(names: TableNames): QuotedNames {
  const s = quoteIdent(names.schema);
  return {
    schema: s,
    sessions: `${s}.${quoteIdent(names.table)}`,
    messages: `${s}.${quoteIdent(names.messages)}`,
    migrations: `${s}.${quoteIdent(names.migrations)}`,
    // CREATE INDEX takes an unqualified name: the index lives in its table's schema.
    listIndex: quoteIdent(names.listIndex),
    parentIndex: quoteIdent(names.parentIndex),
  };
}

/** The sessions-table columns of one write. */
export interface SessionColumns {
  id: string;
  /** JSON string literal of config.name. */
  nameJson: string;
  state: string;
  createdAt: number;
  updatedAt: number;
  /** JSON string literal of the top-level parent_id, or null. */
  parentIdJson: string | null;
  messageCount: number;
  digest: string;
  head: string;
  documentBytes: number;
}

/**
 * The messages of one write: one segment of `count` messages starting at index `from`, their JSON texts joined by
 * commas in `text` (nothing when `count` is 0). `rewrite` replaces every stored message (then `from` is 0).
 */
export interface MessageSegment {
  from: number;
  count: number;
  text: string;
  rewrite: boolean;
}

/** The write is applied only when the row still holds this message log (and revision, when given). */
export interface WriteGuard {
  count: number;
  digest: string;
  expectedRevision: number | null;
}

export interface Statement {
  text: string;
  values: unknown[];
}

export interface Statements {
  readonly readState: string;
  /** A new session: inserts the row unless the id exists (then no row is returned). */
  insertSession(columns: SessionColumns, messages: MessageSegment): Statement;
  /** Updates the row under `guard`; returns no row when the guard does not hold. */
  updateSession(columns: SessionColumns, messages: MessageSegment, guard: WriteGuard): Statement;
  /** Adds one segment of `count` messages under `guard`, unless the document would pass `maxBytes`. */
  appendMessages(
    id: string,
    newCount: number,
    newDigest: string,
    segment: { text: string; count: number },
    addedBytes: number,
    maxBytes: number,
    guard: WriteGuard,
  ): Statement;
  readonly load: string;
  readonly exists: string;
  readonly deleteSession: string;
  readonly deleteMessages: string;
  readonly listIds: string;
  /** Indexed by `(cursor ? 1 : 0) + (parentId ? 2 : 0)`. */
  readonly listSummaries: readonly [string, string, string, string];
  readonly ping: string;
}

// Parameters of every session write: $1 id, $2 name_json, $3 state, $4 created_at, $5 updated_at,
// $6 parent_id_json, $7 message_count, $8 messages_digest, $9 head, $10 document_bytes; then, by statement, the
// guard ($11 stored count, $12 stored digest, $13 expected revision or null) and the segment ($14 its seq, $15 its
// message count, $16 its text). Variants leave out what they do not need (PostgreSQL refuses a parameter it cannot
// type).
function columnValues(c: SessionColumns): unknown[] {
  return [
    c.id,
    c.nameJson,
    c.state,
    c.createdAt,
    c.updatedAt,
    c.parentIdJson,
    c.messageCount,
    c.digest,
    c.head,
    c.documentBytes,
  ];
}

/** The statements' shared parts: writing one segment row, and removing the rows after it. */
function segmentSql(q: QuotedNames) {
  // A segment row: `n` messages starting at index `seq` (so a version-1 row, one message at its index, is one too),
  // their JSON texts joined by commas, sent as one text parameter: the server stores it as it comes, with no
  // per-message rows to insert or index. The texts hold no NUL or lone surrogate (JSON.stringify escaped those).
  // Upsert, not insert: a row left at that seq by an earlier, longer history is overwritten.
  const insertSegment = (gate: string, seq: string, n: string, text: string) => `INSERT INTO ${q.messages}
      (session_id, seq, message_count, body)
    SELECT $1, ${seq}::integer, ${n}::integer, ${text}::text WHERE ${n}::integer > 0 AND EXISTS (SELECT 1 FROM ${gate})
    ON CONFLICT (session_id, seq) DO UPDATE SET message_count = EXCLUDED.message_count, body = EXCLUDED.body`;
  // Rows after the segment written at `seq` (all from `seq` when none is): what a rewrite replaces, or rows of an
  // earlier, longer history. Deleted in the same statement, so no reader sees them beside the new segment.
  const trimSegments = (gate: string, seq: string, n: string) => `DELETE FROM ${q.messages}
    WHERE session_id = $1 AND seq >= ${seq}::integer + least(${n}::integer, 1) AND EXISTS (SELECT 1 FROM ${gate})`;
  return { insertSegment, trimSegments };
}

/** The texts of the session writes (one statement each). */
function writeSql(q: QuotedNames) {
  const { insertSegment, trimSegments } = segmentSql(q);
  // Each write is one statement, so its checks and its writes commit together, in autocommit mode, without a
  // transaction that a pooler would have to pin a server connection for.
  const insertSession = `WITH s AS (
      INSERT INTO ${q.sessions} (id, revision, name_json, state, created_at, updated_at, parent_id_json, message_count,
        messages_digest, head, document_bytes)
      VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      ON CONFLICT (id) DO NOTHING RETURNING revision
    ), t AS (${trimSegments('s', '$11', '$12')}), m AS (${insertSegment('s', '$11', '$12', '$13')})
    SELECT revision FROM s`;
  // The guard on the stored message_count and digest makes the append-or-rewrite plan valid at the moment of
  // writing, whatever happened since it was read; the one on revision is the caller's expectedRevision.
  const updateRow = `UPDATE ${q.sessions} SET revision = revision + 1, name_json = $2, state = $3, created_at = $4,
        updated_at = $5, parent_id_json = $6, message_count = $7, messages_digest = $8, head = $9, document_bytes = $10
      WHERE id = $1 AND message_count = $11 AND messages_digest = $12 AND ($13::bigint IS NULL OR revision = $13)
      RETURNING revision`;
  const update = {
    // The same messages again: only the head changes.
    head: updateRow,
    // New messages after the stored ones, or a rewrite (seq 0): one segment, and nothing after it.
    segment: `WITH s AS (${updateRow}), t AS (${trimSegments('s', '$14', '$15')}),
      m AS (${insertSegment('s', '$14', '$15', '$16')}) SELECT revision FROM s`,
  };
  // $1 id, $2 new count, $3 new digest, $4 stored count (also the segment's seq), $5 stored digest, $6 expected
  // revision, $7 the segment's text, $8 bytes added, $9 maxDocumentBytes (checked here too, so a size known from
  // earlier is never trusted), $10 messages added.
  const appendMessages = `WITH s AS (
      UPDATE ${q.sessions} SET revision = revision + 1, message_count = $2, messages_digest = $3,
        document_bytes = document_bytes + $8
      WHERE id = $1 AND message_count = $4 AND messages_digest = $5 AND ($6::bigint IS NULL OR revision = $6)
        AND document_bytes + $8 <= $9
      RETURNING revision
    ), t AS (${trimSegments('s', '$4', '$10')}), m AS (${insertSegment('s', '$4', '$10', '$7')})
    SELECT revision FROM s`;
  return { insertSession, update, appendMessages };
}

/** The listing pages, indexed by `(cursor ? 1 : 0) + (parentId ? 2 : 0)`. */
function listSql(q: QuotedNames): [string, string, string, string] {
  const summary = 'id, name_json, state, created_at, updated_at, parent_id_json, message_count, revision';
  return [0, 1, 2, 3].map((variant) => {
    const conditions: string[] = ['true'];
    let next = 2;
    if (variant & 1) {
      conditions.push(`(updated_at < $${next} OR (updated_at = $${next} AND id > $${next + 1}))`);
      next += 2;
    }
    if (variant & 2) conditions.push(`parent_id_json = $${next}`);
    return `SELECT ${summary} FROM ${q.sessions} WHERE ${conditions.join(' AND ')}
      ORDER BY updated_at DESC, id ASC LIMIT $1`;
  }) as [string, string, string, string];
}

export function buildStatements(names: TableNames): Statements {
  const q = quoteNames(names);
  const { insertSession, update, appendMessages } = writeSql(q);
  const listSummaries = listSql(q);
  const statements: Statements = {
    readState: `SELECT revision, message_count, messages_digest, document_bytes, head FROM ${q.sessions} WHERE id = $1`,
    insertSession: (columns, messages) => ({
      text: insertSession,
      values: [...columnValues(columns), messages.from, messages.count, messages.text],
    }),
    updateSession: (columns, messages, guard) => {
      const values = [...columnValues(columns), guard.count, guard.digest, guard.expectedRevision];
      if (messages.rewrite || messages.count > 0)
        return { text: update.segment, values: [...values, messages.from, messages.count, messages.text] };
      return { text: update.head, values };
    },
    appendMessages: (id, newCount, newDigest, segment, addedBytes, maxBytes, guard) => ({
      text: appendMessages,
      values: [
        id,
        newCount,
        newDigest,
        guard.count,
        guard.digest,
        guard.expectedRevision,
        segment.text,
        addedBytes,
        maxBytes,
        segment.count,
      ],
    }),
    // One statement, so the head and the messages come from one snapshot. The segments arrive joined by commas: the
    // inside of one JSON array (one string, one JSON.parse), with the number of messages they hold.
    load: `SELECT s.revision, s.message_count, s.messages_digest, s.head, m.n, m.bodies
      FROM ${q.sessions} s CROSS JOIN LATERAL (
        SELECT coalesce(sum(message_count), 0) AS n, string_agg(body, ',' ORDER BY seq) AS bodies FROM ${q.messages}
        WHERE session_id = s.id AND seq >= 0 AND seq < s.message_count
      ) m
      WHERE s.id = $1`,
    exists: `SELECT 1 FROM ${q.sessions} WHERE id = $1`,
    deleteSession: `DELETE FROM ${q.sessions} WHERE id = $1 RETURNING 1 AS deleted`,
    deleteMessages: `DELETE FROM ${q.messages} WHERE session_id = $1`,
    listIds: `SELECT id FROM ${q.sessions} ORDER BY id`,
    listSummaries,
    ping: 'SELECT 1',
  };
  return Object.freeze(statements);
}
