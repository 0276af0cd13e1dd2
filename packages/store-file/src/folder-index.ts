/**
 * Listing a sessions folder that other programs (a3s-code, editors, another store) may write at any time.
 *
 * Every listing reads the folder (and `v1/sessions`) again, so it is never stale. What it learnt from a document
 * (its id for hashed or ambiguous names, its summary fields) is cached per file together with the file's
 * fingerprint (inode, size, mtime in ns); an unchanged file is only stat'ed, a changed one is read again. Revision
 * records are small and read each time. The scan also removes our own stale temp files (never a3s-code's).
 *
 * A session held by several files is listed once, from the file readers use (see locate.ts): v1 first, then our
 * legacy-layout name, then legacy a3s-code's sanitized name.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EncryptionKeyError,
  mapLimit,
  type SessionCipher,
  SessionCorruptError,
  type SessionSummary,
  summarize,
  type UnreadableSession,
} from '@agent-sessions/core/adapter';
import { NOT_THIS_SESSION, type Place, readDocument, statFingerprint } from './documents.js';
import { type Fingerprint, isMissing, isProcessAlive, sameFingerprint } from './fs-utils.js';
import {
  HOST_TAG,
  keyPathsForId,
  parseSessionFileName,
  parseTempName,
  parseV1FileName,
  V1_SESSIONS_DIR,
} from './layout.js';
import { currentRevision, type RevisionRecord, readRecordFile } from './revision-record.js';

interface DocEntry {
  fp: Fingerprint;
  /** False while the file's mtime is too recent to rule out a same-size rewrite in the same timestamp tick. */
  settled: boolean;
  /** The summary with the revision left at 0; null for a file that is no session (another program's JSON). */
  summary: SessionSummary | null;
}

interface FileEntry {
  place: Place;
  name: string;
  path: string;
  /** The id the name gives, when it can be trusted without reading the file. */
  id: string | null;
  /** Which copy counts when several files hold one id: lower wins. */
  rank: number;
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

/** The entry of a root file: our names give their id (unless legacy a3s-code's naming could mean another). */
function rootEntry(dir: string, name: string): FileEntry | null {
  if (!name.endsWith('.json')) return null;
  const parsed = parseSessionFileName(name);
  const path = join(dir, name);
  // `a_b.json` is our name of `a_b` and legacy a3s-code's of `a/b`, `x..y` and more: only its content says.
  if (parsed?.kind === 'id' && !parsed.id.includes('_')) return { place: 'root', name, path, id: parsed.id, rank: 1 };
  if (parsed !== null) return { place: 'root', name, path, id: null, rank: 1 };
  // Any other JSON file may be legacy a3s-code's sanitized name of an id outside our plain set (`a b.json`).
  return { place: 'root', name, path, id: null, rank: 2 };
}

export class FolderIndex {
  readonly #dir: string;
  readonly #staleTempMs: number;
  readonly #docs = new Map<string, DocEntry>();
  readonly #cipher: SessionCipher | null;

  constructor(dir: string, staleTempMs: number, cipher: SessionCipher | null) {
    this.#dir = dir;
    this.#staleTempMs = staleTempMs;
    this.#cipher = cipher;
  }

  async #list(dir: string): Promise<import('node:fs').Dirent[]> {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  /** The session files in the folder and in `v1/sessions` (none when the folder does not exist yet). */
  async #scan(): Promise<FileEntry[]> {
    const v1Dir = join(this.#dir, V1_SESSIONS_DIR);
    const [root, v1] = await Promise.all([this.#list(this.#dir), this.#list(v1Dir)]);
    const files: FileEntry[] = [];
    for (const [dir, entries, place] of [
      [this.#dir, root, 'root'],
      [v1Dir, v1, 'v1'],
    ] as const) {
      const temps: string[] = [];
      for (const entry of entries) {
        if (!entry.isFile() && !entry.isSymbolicLink()) continue;
        if (parseTempName(entry.name) !== null) {
          temps.push(entry.name);
          continue;
        }
        if (place === 'root') {
          const file = rootEntry(dir, entry.name);
          if (file) files.push(file);
          continue;
        }
        const parsed = parseV1FileName(entry.name);
        if (parsed !== null)
          files.push({
            place,
            name: entry.name,
            path: join(dir, entry.name),
            id: parsed.kind === 'id' ? parsed.id : null,
            rank: 0,
          });
      }
      if (temps.length > 0) await removeStaleTemps(dir, temps, this.#staleTempMs);
    }
    return files;
  }

  /** Forget cache entries of files that are gone, so the cache never outgrows the folder. */
  #prune(present: Set<string>): void {
    for (const path of this.#docs.keys()) if (!present.has(path)) this.#docs.delete(path);
  }

  /** The summary (revision 0) of one document, read only when its fingerprint changed. Null when it is gone. */
  async #docEntry(file: FileEntry): Promise<DocEntry | null> {
    const fp = await statFingerprint(file.path);
    if (fp === null) return null;
    const cached = this.#docs.get(file.path);
    if (cached?.settled && sameFingerprint(cached.fp, fp)) return cached;
    const readAt = Date.now();
    let doc: Awaited<ReturnType<typeof readDocument>>;
    try {
      doc = await readDocument(file.path, file.name, file.place, file.id, this.#cipher);
    } catch (error) {
      // Another program's JSON that does not even parse is none of ours; a3s-code skips it too.
      if (file.rank === 2) doc = NOT_THIS_SESSION;
      else throw error;
    }
    if (doc === null) return null;
    const docFp = doc === NOT_THIS_SESSION ? fp : doc.fp;
    const settled = Number(BigInt(docFp.mtimeNs) / 1_000_000n) < readAt - RACY_MARGIN_MS;
    const entry = { fp: docFp, settled, summary: doc === NOT_THIS_SESSION ? null : summarize(doc.session, 0) };
    this.#docs.set(file.path, entry);
    return entry;
  }

  /**
   * Read at every listing (a synchronous read of a few hundred bytes): records are overwritten in place, so a
   * fingerprint could not tell two versions written within one timestamp tick apart. A read that catches a write
   * half-way fails its checksum and is read again.
   */
  #record(id: string): RevisionRecord | null {
    const path = keyPathsForId(this.#dir, id).rev;
    for (let attempt = 1; ; attempt++) {
      const record = readRecordFile(path);
      if (record === 'missing') return null;
      if (record !== null || attempt >= TORN_READ_ATTEMPTS) return record;
    }
  }

  /** One file per id: the one readers use. */
  static #winners<T extends { id: string; rank: number }>(rows: (T | null)[]): T[] {
    const best = new Map<string, T>();
    for (const row of rows) {
      if (row === null) continue;
      const seen = best.get(row.id);
      if (seen === undefined || row.rank < seen.rank) best.set(row.id, row);
    }
    return [...best.values()];
  }

  /** Every id in the folder. Names carry the id except hashed and ambiguous ones, which are read (once per version). */
  async ids(): Promise<string[]> {
    const files = await this.#scan();
    const rows = await mapLimit(files, PARALLEL, async (file) => {
      if (file.id !== null && (file.place === 'v1' || file.rank === 1)) return { id: file.id, rank: file.rank };
      const id = (await this.#docEntry(file))?.summary?.id;
      return id === undefined ? null : { id, rank: file.rank };
    });
    return FolderIndex.#winners(rows).map((row) => row.id);
  }

  /**
   * A summary of every session in the folder, with current revisions, and the documents that do not read (another
   * program, a crash elsewhere): listed around, never a reason to fail the whole folder.
   */
  async summaries(): Promise<{ summaries: SessionSummary[]; unreadable: UnreadableSession[] }> {
    const files = await this.#scan();
    this.#prune(new Set(files.map((f) => f.path)));
    const unreadable: UnreadableSession[] = [];
    const docs = await mapLimit(files, PARALLEL, async (file) => {
      // The record first: a writer renames its document before it writes the record, so a document read after
      // the record is that version or newer, and a newer one reads as "changed" (+1): the revision it is getting.
      const record = file.id !== null ? this.#record(file.id) : undefined;
      let entry: DocEntry | null;
      try {
        entry = await this.#docEntry(file);
      } catch (error) {
        if (!(error instanceof SessionCorruptError || error instanceof EncryptionKeyError)) throw error;
        unreadable.push({ id: file.id, record: error.record, error });
        return null;
      }
      if (entry?.summary == null) return null;
      const id = entry.summary.id;
      return { id, rank: file.rank, entry, record: record === undefined ? this.#record(id) : record };
    });
    const summaries = FolderIndex.#winners(docs).map(({ entry, record }) => ({
      ...(entry.summary as SessionSummary),
      revision: currentRevision(entry.fp, record) as number,
    }));
    return { summaries, unreadable };
  }
}
