/**
 * What a document object carries in its user metadata (`x-amz-meta-*`), written in the same PUT as the document so
 * it can never disagree with it: the revision, what locates its index markers, and the listing summary, so that
 * listSessions needs one HEAD per row instead of a download. Values are ASCII (HTTP headers): text is base64url.
 */
import {
  type AppendKeyRecord,
  SessionCorruptError,
  type SessionData,
  type SessionState,
  type SessionSummary,
} from '@agent-sessions/core/adapter';
import { isLongId, parentHash } from './keys.js';

/**
 * AWS allows 2 KB of user metadata per object. The summary is left out above this size (a very long name or
 * parent id); listing then reads that one document instead.
 */
const MAX_SUMMARY_CHARS = 1400;
/** What all user metadata may take (AWS: 2048 bytes of keys and values), with room to spare. */
const MAX_METADATA_BYTES = 2000;

function metadataBytes(meta: Record<string, string>): number {
  return Object.entries(meta).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
}

/** The state of a stored document as its metadata tells it. */
export interface ObjectState {
  /** The ETag to put in If-Match. */
  etag: string | undefined;
  revision: number;
  /** null for objects written by other tools (they have no index markers). */
  updatedAt: number | null;
  /** Hash of the parent id (the folder of its child markers), or null. */
  parent: string | null;
  /** The id, when the metadata holds it (long ids, whose key holds only a hash). */
  id: string | null;
  /** Everything of the summary but `id`, `updated_at` and `revision`, when it fit into the metadata. */
  summary: Omit<SessionSummary, 'id' | 'updated_at' | 'revision'> | null;
  /** Uncompressed bytes of a gzip document, so a reader can allocate its buffer once; null when not recorded. */
  size: number | null;
  /** The session's keyed-append records (core's idempotency.ts), written in the same PUT as the document. */
  appendKeys: AppendKeyRecord[];
}

// `<key hash>.<messages hash>.<revision>` joined by commas: about 30 bytes a record, 16 records at most.
function encodeKeys(records: readonly AppendKeyRecord[]): string {
  return records.map((r) => `${r.k}.${r.m}.${r.r}`).join(',');
}

function decodeKeys(value: string | undefined): AppendKeyRecord[] {
  if (value === undefined || value === '') return [];
  const records: AppendKeyRecord[] = [];
  for (const item of value.split(',')) {
    const [k, m, r] = item.split('.');
    // Damaged or foreign metadata counts as no record: the window is a retry aid, never data.
    if (k && m && r && /^[1-9]\d{0,15}$/.test(r)) records.push({ k, m, r: Number(r) });
  }
  return records;
}

/**
 * `size`: the uncompressed bytes, given for gzip documents only (a plain one's Content-Length says it). `name`: the
 * name as listed (sealed when the store encrypts names).
 */
export function buildMetadata(
  session: SessionData,
  revision: number,
  size?: number,
  appendKeys: readonly AppendKeyRecord[] = [],
  name: string = session.config.name,
): Record<string, string> {
  const meta: Record<string, string> = { revision: String(revision), updated: String(session.updated_at) };
  if (appendKeys.length > 0) meta.ak = encodeKeys(appendKeys);
  if (size !== undefined) meta.size = String(size);
  const parentId = session.parent_id ?? null;
  if (parentId !== null) meta.parent = parentHash(parentId);
  if (isLongId(session.id)) meta.id = Buffer.from(session.id, 'utf8').toString('base64url');
  const summary = Buffer.from(
    JSON.stringify([name, session.state, session.created_at, parentId, session.messages.length]),
    'utf8',
  ).toString('base64url');
  // The keyed-append records come first (they must be atomic with the document); the summary only saves a read.
  if (summary.length <= MAX_SUMMARY_CHARS && metadataBytes(meta) + 7 + summary.length <= MAX_METADATA_BYTES)
    meta.summary = summary;
  return meta;
}

const STATES = new Set<string>(['Unknown', 'Active', 'Paused', 'Completed', 'Error']);

function decodeSummary(value: string | undefined): ObjectState['summary'] {
  if (value === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 5) return null;
    const [name, state, created, parent, count] = parsed as unknown[];
    if (typeof name !== 'string' || typeof state !== 'string' || !STATES.has(state)) return null;
    if (!Number.isSafeInteger(created) || !Number.isSafeInteger(count) || (count as number) < 0) return null;
    if (parent !== null && typeof parent !== 'string') return null;
    return {
      name,
      state: state as SessionState,
      created_at: created as number,
      parent_id: parent as string | null,
      message_count: count as number,
    };
  } catch {
    // Damaged or foreign metadata: the caller reads the document instead.
    return null;
  }
}

/**
 * Reads the metadata of a document object. A missing revision (an object another tool copied in) counts as 1; a
 * revision that is present but not a positive integer is SessionCorruptError, since writes would go wrong from it.
 */
export function readObjectState(
  metadata: Record<string, string> | undefined,
  etag: string | undefined,
  record: string,
  sessionId: string | null,
): ObjectState {
  const meta = metadata ?? {};
  let revision = 1;
  if (meta.revision !== undefined) {
    revision = /^[1-9]\d{0,15}$/.test(meta.revision) ? Number(meta.revision) : Number.NaN;
    if (!Number.isSafeInteger(revision))
      throw new SessionCorruptError(record, `its x-amz-meta-revision "${meta.revision}" is not a positive integer`, {
        backend: 's3',
        sessionId,
      });
  }
  const updated = meta.updated !== undefined && /^-?\d{1,16}$/.test(meta.updated) ? Number(meta.updated) : null;
  let id: string | null = null;
  if (meta.id !== undefined && /^[A-Za-z0-9_-]+$/.test(meta.id))
    id = Buffer.from(meta.id, 'base64url').toString('utf8');
  return {
    etag,
    revision,
    updatedAt: updated !== null && Number.isSafeInteger(updated) ? updated : null,
    parent: meta.parent !== undefined && /^[A-Za-z0-9_-]{43}$/.test(meta.parent) ? meta.parent : null,
    id,
    summary: decodeSummary(meta.summary),
    // Only a hint for the reader's first allocation: a wrong value costs a copy, never wrong bytes.
    size: meta.size !== undefined && /^\d{1,15}$/.test(meta.size) ? Number(meta.size) : null,
    appendKeys: decodeKeys(meta.ak),
  };
}
