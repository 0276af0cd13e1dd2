/**
 * Listing a sessions folder that other programs (a3s-code, editors, another store) may write at any time.
 *
 * Every listing reads the folder again, so it is never stale. What it learnt from a document (its id for hashed
 * names, its summary fields) is cached per file name together with the file's fingerprint (inode, size, mtime in
 * ns); an unchanged file is only stat'ed, a changed one is read again. Revision records are small and read each time.
 * The scan also removes our own stale temp files (never a3s-code's).
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit, type SessionSummary, summarize } from '@agent-sessions/core/adapter';
import { type Decode, readDocument, statFingerprint } from './documents.js';
import { type Fingerprint, isMissing, isProcessAlive, sameFingerprint } from './fs-utils.js';
import { HOST_TAG, type ParsedFileName, parseSessionFileName, parseTempName, pathsForName } from './layout.js';
import { currentRevision, type RevisionRecord, readRecordFile } from './revision-record.js';

interface DocEntry {
  fp: Fingerprint;
  /** False while the file's mtime is too recent to rule out a same-size rewrite in the same timestamp tick. */
  settled: boolean;
  /** The summary with the revision left at 0; the revision comes from the record. */
  summary: SessionSummary;
}

interface FolderListing {
  sessions: { name: string; parsed: Exclude<ParsedFileName, null> }[];
}

/**
 * A file rewritten in place (not renamed) with the same size within one timestamp tick of the file system keeps
 * its fingerprint. Like git's "racy" index entries, a cached entry is trusted only when the file's mtime was
 * already this much older than the moment it was read (covers 1 s and 2 s granularity file systems too).
 */
const RACY_MARGIN_MS = 2_500;

const TORN_READ_ATTEMPTS = 3;

// Enough parallel file operations to hide latency, few enough to stay far from the open-files limit.
const PARALLEL = 16;

/**
 * Removes our temp files in `dir` whose writer is gone: a dead process on this machine, or older than `staleMs`
 * (a writer on another machine, or one that hung). Best effort: a file already gone or not removable is skipped.
 */
export async function removeStaleTemps(dir: string, names: readonly string[], staleMs: number): Promise<void> {
  const temps = names.filter((n) => parseTempName(n) !== null);
  await mapLimit(temps, PARALLEL, async (name) => {
    const owner = parseTempName(name) as { host: string; pid: number };
    const path = join(dir, name);
    try {
      const deadHere = owner.host === HOST_TAG && !isProcessAlive(owner.pid);
      if (deadHere || Date.now() - (await stat(path)).mtimeMs > staleMs) await unlink(path);
    } catch {
      // gone already, or not ours to remove (permissions): leave it
    }
  });
}

export class FolderIndex {
  readonly #dir: string;
  readonly #decode: Decode;
  readonly #staleTempMs: number;
  readonly #docs = new Map<string, DocEntry>();

  constructor(dir: string, decode: Decode, staleTempMs: number) {
    this.#dir = dir;
    this.#decode = decode;
    this.#staleTempMs = staleTempMs;
  }

  /** The session files in the folder (none when the folder does not exist yet). */
  async #scan(): Promise<FolderListing> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(this.#dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return { sessions: [] };
      throw error;
    }
    const sessions: FolderListing['sessions'] = [];
    const temps: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      const parsed = parseSessionFileName(entry.name);
      if (parsed !== null) sessions.push({ name: entry.name, parsed });
      else if (parseTempName(entry.name) !== null) temps.push(entry.name);
    }
    if (temps.length > 0) await removeStaleTemps(this.#dir, temps, this.#staleTempMs);
    return { sessions };
  }

  /** Forget cache entries of files that are gone, so the cache never outgrows the folder. */
  #prune(present: Set<string>): void {
    for (const name of this.#docs.keys()) if (!present.has(name)) this.#docs.delete(name);
  }

  /** The summary (revision 0) of one document, read only when its fingerprint changed. Null when it is gone. */
  async #docEntry(name: string, expectedId: string | null): Promise<DocEntry | null> {
    const path = join(this.#dir, name);
    const fp = await statFingerprint(path);
    if (fp === null) return null;
    const cached = this.#docs.get(name);
    if (cached?.settled && sameFingerprint(cached.fp, fp)) return cached;
    const readAt = Date.now();
    const doc = await readDocument(path, name, expectedId, this.#decode);
    if (doc === null) return null;
    const settled = Number(BigInt(doc.fp.mtimeNs) / 1_000_000n) < readAt - RACY_MARGIN_MS;
    const entry = { fp: doc.fp, settled, summary: summarize(doc.session, 0) };
    this.#docs.set(name, entry);
    return entry;
  }

  /**
   * Read at every listing (a synchronous read of a few hundred bytes): records are overwritten in place, so a
   * fingerprint could not tell two versions written within one timestamp tick apart. A read that catches a write
   * half-way fails its checksum and is read again.
   */
  #record(name: string): RevisionRecord | null {
    const path = pathsForName(this.#dir, name).rev;
    for (let attempt = 1; ; attempt++) {
      const record = readRecordFile(path);
      if (record === 'missing') return null;
      if (record !== null || attempt >= TORN_READ_ATTEMPTS) return record;
    }
  }

  /** Every id in the folder. Names carry the id except hashed ones, which are read (once per version). */
  async ids(): Promise<string[]> {
    const { sessions } = await this.#scan();
    const ids = await mapLimit(sessions, PARALLEL, async ({ name, parsed }) => {
      if (parsed.kind === 'id') return parsed.id;
      return (await this.#docEntry(name, null))?.summary.id ?? null;
    });
    return ids.filter((id): id is string => id !== null);
  }

  /** A summary of every session in the folder, with current revisions. */
  async summaries(): Promise<SessionSummary[]> {
    const { sessions } = await this.#scan();
    this.#prune(new Set(sessions.map((s) => s.name)));
    const rows = await mapLimit(sessions, PARALLEL, async ({ name, parsed }) => {
      // The record first: a writer renames its document before it writes the record, so a document read after
      // the record is that version or newer, and a newer one reads as "changed" (+1): the revision it is getting.
      const record = this.#record(name);
      const entry = await this.#docEntry(name, parsed.kind === 'id' ? parsed.id : null);
      if (entry === null) return null;
      const revision = currentRevision(entry.fp, record) as number;
      return { ...entry.summary, revision };
    });
    return rows.filter((row): row is SessionSummary => row !== null);
  }
}
