/**
 * listSessions over the index markers. A LIST page gives the markers in listing order; each candidate is checked
 * against its document's metadata with one HEAD (the metadata holds the summary and is written in the same PUT as
 * the document, so it cannot be stale). A marker whose document is gone or has moved (another `updated_at` or
 * parent) is skipped and removed: markers are written after the document and removed after it, so a crash between
 * the two leaves at worst a stale marker, which this repairs.
 */

import {
  compareSummaries,
  EncryptionKeyError,
  isAfter,
  type ListQuery,
  type ListRow,
  type ListSessionsResult,
  SessionCorruptError,
  type SessionSummary,
  type StoredSession,
  summarize,
  toPage,
} from '@agent-sessions/core/adapter';
import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { type IndexEntry, type KeyLayout, parentHash, sha256Hex } from './keys.js';
import type { ObjectState } from './metadata.js';

/** What the listing needs from the store. */
export interface IndexSource {
  layout: KeyLayout;
  concurrency: number;
  list(
    prefix: string,
    startAfter: string | undefined,
    token: string | undefined,
    maxKeys: number,
  ): Promise<ListObjectsV2CommandOutput>;
  head(key: string, id: string | null): Promise<ObjectState | null>;
  read(key: string, id: string | null): Promise<StoredSession | null>;
  dropMarker(key: string): Promise<void>;
}

/**
 * The live summary behind a marker, or null when the marker is stale; a document (or its metadata) that does not
 * read is an unreadable row where its marker stands.
 */
async function verify(source: IndexSource, entry: IndexEntry, parentId: string | null): Promise<ListRow | null> {
  try {
    return await liveSummary(source, entry, parentId);
  } catch (error) {
    if (!(error instanceof SessionCorruptError || error instanceof EncryptionKeyError)) throw error;
    const position = { updated_at: entry.updatedAt, id: entry.id ?? error.sessionId ?? '' };
    return { ...position, unreadable: { id: entry.id, record: error.record, error } };
  }
}

async function liveSummary(
  source: IndexSource,
  entry: IndexEntry,
  parentId: string | null,
): Promise<SessionSummary | null> {
  const key =
    entry.id !== null ? source.layout.documentKey(entry.id) : source.layout.documentKeyOfHash(entry.hash as string);
  const state = await source.head(key, entry.id);
  // No metadata of ours under a live marker: the object was replaced by another tool (or damaged on the way). Its
  // document decides: a session listed from it, or an unreadable row (read throws SessionCorruptError).
  if (state !== null && state.updatedAt === null) {
    const stored = await source.read(key, entry.id);
    if (stored === null || (parentId !== null && stored.session.parent_id !== parentId)) return null;
    return summarize(stored.session, stored.revision);
  }
  if (
    state === null ||
    state.updatedAt !== entry.updatedAt ||
    (parentId !== null && state.parent !== parentHash(parentId))
  ) {
    await source.dropMarker(entry.key);
    return null;
  }
  const id = entry.id ?? (state.id !== null && sha256Hex(state.id) === entry.hash ? state.id : null);
  let summary: SessionSummary;
  if (id !== null && state.summary !== null) {
    summary = { id, ...state.summary, updated_at: state.updatedAt, revision: state.revision };
  } else {
    // The summary did not fit into the metadata (a very long name or parent id): read this one document.
    const stored = await source.read(key, entry.id);
    if (stored === null || stored.session.updated_at !== entry.updatedAt) return null;
    if (entry.hash !== null && sha256Hex(stored.session.id) !== entry.hash) return null;
    summary = summarize(stored.session, stored.revision);
  }
  // The parent folder is a hash: compare the real parent id too.
  return parentId === null || summary.parent_id === parentId ? summary : null;
}

export async function listFromIndex(source: IndexSource, query: ListQuery): Promise<ListSessionsResult> {
  const base = source.layout.indexPrefix(query.parentId);
  const wanted = query.limit + 1;
  const rows: ListRow[] = [];
  let lastGroup: string | null = null;
  let token: string | undefined;
  const startAfter = query.after === null ? undefined : source.layout.startAfter(base, query.after);
  pages: do {
    const page = await source.list(base, startAfter, token, Math.min(1000, wanted + 8));
    const entries: IndexEntry[] = [];
    for (const object of page.Contents ?? []) {
      const entry = source.layout.parseIndexKey(base, object.Key ?? '');
      if (entry !== null) entries.push(entry);
    }
    let i = 0;
    while (i < entries.length) {
      // Check only as many markers as rows are still missing (once full: one at a time, to finish a group).
      const size = rows.length < wanted ? Math.min(source.concurrency, wanted - rows.length) : 1;
      const chunk = entries.slice(i, i + size);
      i += chunk.length;
      const summaries = await Promise.all(chunk.map((entry) => verify(source, entry, query.parentId)));
      for (const [j, summary] of summaries.entries()) {
        if (summary === null || !isAfter(summary, query.after)) continue;
        const group = (chunk[j] as IndexEntry).group;
        // Key order is listing order except inside a group of long ids that share their first 102 bytes:
        // finish the group so that sorting below puts it right.
        if (rows.length >= wanted && group !== lastGroup) break pages;
        rows.push(summary);
        lastGroup = group;
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  rows.sort(compareSummaries);
  return toPage(rows.slice(0, wanted), query.limit);
}
