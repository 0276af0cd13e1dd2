/**
 * The file store: one a3s-code compatible pretty-JSON document per session in a folder (either layout, see
 * layout.ts), replaced atomically, with revisions kept in hidden records beside the documents and checked under a
 * per-session lock file, so several processes (and a3s-code) can share one folder.
 */
import { mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type AppendKey,
  assertRevision,
  assertValidSessionId,
  BaseSessionStore,
  type CommonStoreOptions,
  encodeSession,
  InvalidArgumentError,
  type ListQuery,
  type ListSessionsResult,
  type Message,
  missingSessionError,
  nextRevision,
  pageSummaries,
  replayedRevision,
  type SessionData,
  type SessionStoreError,
  SessionStoreError as SessionStoreErrorClass,
  type SessionWrite,
  StoreAccessError,
  type StoredSession,
  StoreOperationError,
  StoreUnavailableError,
  type StoreUrl,
  withAppendKey,
} from '@agent-sessions/core/adapter';
import { readAppendKeys, removeAppendKeys, writeAppendKeys } from './append-keys.js';
import { statFingerprintSync } from './documents.js';
import { assertFolderExists } from './existing.js';
import { FolderIndex, removeStaleTemps } from './folder-index.js';
import { errorCode, type Fingerprint, fsyncDir, isMissing, replaceFile, sameFingerprint } from './fs-utils.js';
import { keyPathsForId, META_DIR, type SessionKeyPaths, tempName, V1_SESSIONS_DIR } from './layout.js';
import { assertNoWriterLease } from './lease.js';
import { type Candidate, mayHoldSession, readSessionFile } from './locate.js';
import { type LockOptions, removeDeadBreaker, withLock } from './lock.js';
import {
  FILE_STORE_LAYOUTS,
  type FileStoreLayout,
  type FileStoreOptions,
  optionsFromUrl,
  type ResolvedFileStoreOptions,
  resolveFileStoreOptions,
} from './options.js';
import { RecentDocuments } from './recent-documents.js';
import { currentRevision, readRecord, writeRecord } from './revision-record.js';
import { isSealedFileText, sealedFileText } from './sealed-file.js';
import { encodeEnvelope, envelopeMembers, NEW_ENVELOPE } from './snapshot.js';
import { type WriteTarget, WriteTargets } from './write-target.js';

const BACKEND = 'file';
// A load that keeps finding the document replaced under it gives up on recording the revision after this many tries.
const READ_ATTEMPTS = 5;

const ACCESS_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);
const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ETIMEDOUT', 'ESTALE']);

/**
 * A session store over one folder (see the package README for the layout and guarantees). Create it with
 * `new FileSessionStore({ dir })`, {@link createFileStore} or `openSessionStore('file:./sessions')`. Nothing is held
 * open between operations; the folder is created on the first write unless `createDirectory` is false.
 */
export class FileSessionStore extends BaseSessionStore {
  readonly backendName = BACKEND;
  /** The resolved, frozen options. */
  readonly options: ResolvedFileStoreOptions;
  /** The absolute path of the sessions folder. */
  readonly dir: string;
  readonly #index: FolderIndex;
  readonly #targets: WriteTargets;
  readonly #recent: RecentDocuments;
  #dirReady: Promise<void> | null = null;

  constructor(options: FileStoreOptions) {
    const resolved = resolveFileStoreOptions(options);
    if (!resolved.create) assertFolderExists(resolved.dir);
    super({
      encryption: options.encryption,
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { atomicRevisions: true, maxDocumentBytes: resolved.maxDocumentBytes },
    });
    this.options = resolved;
    this.dir = resolved.dir;
    this.#index = new FolderIndex(this.dir, resolved.staleTempMs, this.cipher);
    this.#targets = new WriteTargets(this.dir, resolved.layout, this.cipher);
    this.#recent = new RecentDocuments(this.dir);
  }

  /** Pretty JSON with 2 spaces and no trailing newline: byte for byte what a3s-code writes, so it reads our files. */
  protected override encode(session: SessionData): string {
    return encodeSession(session, { pretty: true });
  }

  /** Encrypted, a document is a small JSON file around the sealed text (see sealed-file.ts). */
  protected override sealDocument(json: string, sessionId: string): string {
    const sealed = super.sealDocument(json, sessionId);
    return sealed === json ? json : sealedFileText(sessionId, sealed);
  }

  // ---- folder ------------------------------------------------------------------------------------------------

  /** Creates (or checks) the folder and its metadata folder once; `again` after someone removed the folder. */
  #ensureDir(again = false): Promise<void> {
    if (again) this.#dirReady = null;
    this.#dirReady ??= this.#prepareDir().catch((error) => {
      this.#dirReady = null;
      throw error;
    });
    return this.#dirReady;
  }

  async #prepareDir(): Promise<void> {
    const meta = join(this.dir, META_DIR);
    if (this.options.createDirectory) {
      await mkdir(meta, { recursive: true });
    } else {
      let isDir: boolean;
      try {
        isDir = (await stat(this.dir)).isDirectory();
      } catch (error) {
        if (!isMissing(error)) throw error;
        throw new StoreAccessError(
          `file: the sessions folder ${this.dir} does not exist; create it, or let the store create it (createDirectory: true)`,
          { backend: BACKEND, cause: error },
        );
      }
      if (!isDir)
        throw new StoreAccessError(`file: ${this.dir} is not a folder; point the store at a folder`, {
          backend: BACKEND,
        });
      await mkdir(meta).catch((error) => {
        if (errorCode(error) !== 'EEXIST') throw error;
      });
    }
    // Leftovers of writers that died: cleaned once per store, and again by every listing of the folder.
    for (const dir of [this.dir, meta, join(this.dir, V1_SESSIONS_DIR)])
      await removeStaleTemps(dir, await readdir(dir).catch(() => []), this.options.staleTempMs);
    removeDeadBreaker(meta, this.options.staleLockMs);
  }

  #lockOptions(sessionId: string): LockOptions {
    return {
      timeoutMs: this.options.lockTimeoutMs,
      staleMs: this.options.staleLockMs,
      ensureDir: () => this.#ensureDir(true),
      sessionId,
    };
  }

  /**
   * Writes the document (in the target's form: a bare document, or a3s-code's snapshot envelope with its other
   * members kept) and then its revision record; the caller holds the session's lock.
   */
  async #commit(keys: SessionKeyPaths, target: WriteTarget, json: string, revision: number): Promise<Fingerprint> {
    const data = target.envelope === null || isSealedFileText(json) ? json : encodeEnvelope(json, target.envelope);
    if (target.at.place === 'v1') await this.#ensureV1Dir();
    const write = () => replaceFile(target.at.path, data, { fsync: this.options.fsync, tempStem: keys.tempStem });
    const fp = await write().catch(async (error) => {
      // Someone removed v1/sessions since we made it: make it again, once.
      if (target.at.place !== 'v1' || !isMissing(error)) throw error;
      this.#v1Ready = false;
      await this.#ensureV1Dir();
      return write();
    });
    this.#targets.remember(target, fp);
    writeRecord(keys.rev, { revision, fp });
    return fp;
  }

  #v1Ready = false;

  /** `v1/sessions` for the first v1 document, made durable (the new folders' entries) when fsync is on. */
  async #ensureV1Dir(): Promise<void> {
    if (this.#v1Ready) return;
    const v1Dir = join(this.dir, V1_SESSIONS_DIR);
    const made = await mkdir(v1Dir, { recursive: true });
    if (made !== undefined && this.options.fsync) {
      await fsyncDir(dirname(v1Dir));
      await fsyncDir(this.dir);
    }
    this.#v1Ready = true;
  }

  // ---- the backend ------------------------------------------------------------------------------------------

  protected async readSession(id: string): Promise<StoredSession | null> {
    const keys = keyPathsForId(this.dir, id);
    for (let attempt = 1; ; attempt++) {
      const record = readRecord(keys.rev);
      const doc = await readSessionFile(this.dir, id, this.cipher);
      if (doc === null) return null;
      if (record !== null && sameFingerprint(record.fp, doc.fp))
        return { session: doc.session, revision: record.revision };
      // Either another program changed the document (record it, so its next change counts again) or a writer of
      // ours is between its rename and its record write: both settle under the session's lock.
      const settled = attempt < READ_ATTEMPTS ? await this.#settle(id, keys, doc.at, doc.fp) : null;
      if (settled === 'changed') continue;
      return { session: doc.session, revision: settled ?? (currentRevision(doc.fp, record) as number) };
    }
  }

  /**
   * Under the lock: the revision of the document version `fp`, recorded so that a further change by another
   * program advances it again. 'changed' when the document is no longer that version (read it again); null when
   * the record cannot be written (a read-only folder, a busy lock): the revision is then computed, not recorded.
   */
  async #settle(id: string, keys: SessionKeyPaths, at: Candidate, fp: Fingerprint): Promise<number | 'changed' | null> {
    try {
      return await withLock(keys.lock, this.#lockOptions(id), async () => {
        const now = statFingerprintSync(at.path);
        if (now === null || !sameFingerprint(now, fp)) return 'changed' as const;
        const record = readRecord(keys.rev);
        const revision = currentRevision(fp, record) as number;
        if (record === null || !sameFingerprint(record.fp, fp)) writeRecord(keys.rev, { revision, fp });
        return revision;
      });
    } catch (error) {
      if (ACCESS_CODES.has(errorCode(error) ?? '') || error instanceof SessionStoreErrorClass) return null;
      throw error;
    }
  }

  protected async writeSession(write: SessionWrite): Promise<number> {
    const keys = keyPathsForId(this.dir, write.id);
    assertNoWriterLease(this.dir, write.id);
    await this.#ensureDir();
    return withLock(keys.lock, this.#lockOptions(write.id), async () => {
      const record = readRecord(keys.rev);
      const target = await this.#targets.forWrite(write.id, record);
      const current = currentRevision(target.fp, record);
      assertRevision(write.id, write.expectedRevision, current, BACKEND);
      this.#recent.forget(write.id);
      const revision = nextRevision(current);
      await this.#commit(keys, target, write.json, revision);
      return revision;
    });
  }

  /**
   * Read, append and write under the session's lock: one step, so concurrent appends never retry or lose. The
   * document this store wrote by the previous append is reused while its file is unchanged (see recent-documents).
   */
  protected override async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
    key?: AppendKey,
  ): Promise<number> {
    const keys = keyPathsForId(this.dir, id);
    // Probed before locking so that appending to a missing session in a missing folder creates nothing.
    if (!(await mayHoldSession(this.dir, id))) throw missingSessionError(id, expectedRevision, BACKEND);
    assertNoWriterLease(this.dir, id);
    await this.#ensureDir();
    return withLock(keys.lock, this.#lockOptions(id), async () => {
      const record = readRecord(keys.rev);
      const base = this.#recent.current(id) ?? (await this.#readForAppend(id));
      if (base === null) throw missingSessionError(id, expectedRevision, BACKEND);
      const current = currentRevision(base.fp, record) as number;
      const appendKeys = key === undefined ? [] : readAppendKeys(keys.rev);
      const replayed = key === undefined ? null : replayedRevision(appendKeys, key, id, BACKEND);
      if (replayed !== null) return replayed;
      assertRevision(id, expectedRevision, current, BACKEND);
      const session = { ...base.session, messages: [...base.session.messages, ...messages] } as SessionData;
      const write = this.prepareWrite(session, current);
      const revision = nextRevision(current);
      const fp = await this.#commit(keys, base, write.json, revision);
      if (key !== undefined)
        await writeAppendKeys(keys.rev, withAppendKey(appendKeys, key, revision), {
          fsync: this.options.fsync,
          tempStem: keys.tempStem,
        });
      this.#recent.keep(id, base.session, messages, { at: base.at, fp, envelope: base.envelope });
      return revision;
    });
  }

  async #readForAppend(id: string): Promise<(WriteTarget & { fp: Fingerprint; session: SessionData }) | null> {
    const doc = await readSessionFile(this.dir, id, this.cipher);
    return doc === null ? null : { ...this.#targets.fromRead(doc), fp: doc.fp, session: doc.session };
  }

  /**
   * Moves session `id` into `layout`, its document unchanged (what `agent-sessions migrate --layout` does): written
   * to that layout's file, then every other copy removed; the revision stays. `kept` when it cannot move: its legacy
   * name is another session's, or (to legacy) its envelope holds a3s-code runtime records a bare file cannot hold.
   * `dryRun`: decide, write nothing.
   */
  async convertLayout(id: string, layout: FileStoreLayout, options: { dryRun?: boolean } = {}): Promise<LayoutMove> {
    this.assertOpen();
    assertValidSessionId(id, BACKEND);
    if (!FILE_STORE_LAYOUTS.includes(layout))
      throw new InvalidArgumentError('layout', `expected "v1" or "legacy", got ${JSON.stringify(layout)}`, {
        backend: BACKEND,
      });
    return this.run('convertLayout', id, async () => {
      if ((await readSessionFile(this.dir, id, this.cipher)) === null) return { kind: 'missing' };
      if (!options.dryRun) assertNoWriterLease(this.dir, id);
      const keys = keyPathsForId(this.dir, id);
      const move = async (): Promise<LayoutMove> => {
        const record = readRecord(keys.rev);
        const doc = await readSessionFile(this.dir, id, this.cipher);
        if (doc === null) return { kind: 'missing' };
        const at = await this.#targets.inLayout(id, layout, record);
        if (at === null)
          return { kind: 'kept', reason: "its legacy-layout name holds legacy a3s-code's file of another session" };
        const members = doc.envelopeText === null ? null : envelopeMembers(doc.envelopeText);
        if (layout === 'legacy' && members?.some(([k, v]) => k !== '"schema_version"' && v.trim() !== '[]'))
          return {
            kind: 'kept',
            reason: 'its snapshot envelope holds a3s-code runtime records (artifacts, traces, runs)',
          };
        const others = (await this.#targets.ownedFiles(id, record, 'mine')).filter((f) => f.path !== at.path);
        if (doc.at.path === at.path && others.length === 0) return { kind: 'already' };
        if (options.dryRun) return { kind: 'moved' };
        const revision = currentRevision(doc.fp, record) as number;
        const target = { at, fp: null, envelope: layout === 'v1' ? (members ?? NEW_ENVELOPE) : null };
        this.#recent.forget(id);
        await this.#commit(keys, target, this.sealDocument(this.encode(doc.session), id), revision);
        for (const file of others)
          await unlink(file.path).catch((error) => {
            if (!isMissing(error)) throw error;
          });
        if (others.length > 0 && this.options.fsync) await fsyncDir(this.dir);
        return { kind: 'moved' };
      };
      if (options.dryRun) return move();
      await this.#ensureDir();
      return withLock(keys.lock, this.#lockOptions(id), move);
    });
  }

  protected async removeSession(id: string): Promise<boolean> {
    const keys = keyPathsForId(this.dir, id);
    if ((await readSessionFile(this.dir, id, this.cipher).catch(() => true)) === null) return false;
    assertNoWriterLease(this.dir, id);
    await this.#ensureDir();
    this.#recent.forget(id);
    return withLock(keys.lock, this.#lockOptions(id), async () => {
      // Every copy that is this session's goes, as a3s-code's delete removes the v1 file and the legacy one it owns.
      const owned = await this.#targets.ownedFiles(id, readRecord(keys.rev), 'mine');
      let removed = false;
      for (const file of owned) {
        try {
          await unlink(file.path);
          removed = true;
          if (this.options.fsync) await fsyncDir(dirname(file.path));
        } catch (error) {
          if (!isMissing(error)) throw error;
        }
      }
      // The record goes too: a delete ends the history, and a re-created session starts again at 1.
      await unlink(keys.rev).catch((error) => {
        if (!isMissing(error)) throw error;
      });
      await removeAppendKeys(keys.rev);
      return removed;
    });
  }

  protected override async hasSession(id: string): Promise<boolean> {
    return (await this.#targets.ownedFiles(id, readRecord(keyPathsForId(this.dir, id).rev), 'throw')).length > 0;
  }

  protected listIds(): Promise<string[]> {
    return this.#index.ids();
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    const { summaries, unreadable } = await this.#index.summaries();
    return pageSummaries(summaries, query, unreadable);
  }

  /** Writes and removes a probe file in the folder: proves the folder exists (or can be made) and is writable. */
  protected async ping(): Promise<void> {
    await this.#ensureDir();
    const probe = join(this.dir, tempName('health'));
    await writeFile(probe, 'agent-sessions health check', { flag: 'wx' });
    await unlink(probe);
  }

  protected async closeResources(): Promise<void> {
    // Nothing is held open between operations.
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    if (error instanceof SessionStoreErrorClass) return error;
    const code = errorCode(error);
    const path = (error as { path?: string } | null)?.path ?? this.dir;
    const options = { backend: BACKEND, sessionId, cause: error };
    if (code !== undefined && ACCESS_CODES.has(code))
      return new StoreAccessError(
        `file: ${operation} was refused access to ${path} (${code}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}); ` +
          'give this process read and write access to the sessions folder, or choose another one',
        options,
      );
    if (code !== undefined && TRANSIENT_CODES.has(code))
      return new StoreUnavailableError(`file: ${operation} failed on ${path} (${code})`, options);
    if (code === 'ENOSPC' || code === 'EDQUOT')
      return new StoreOperationError(
        `file: ${operation} failed on ${path}: no space left (${code}); free disk space and retry`,
        options,
      );
    if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOENT')
      return new StoreAccessError(
        `file: ${operation} failed on ${path} (${code}); check that ${this.dir} is a folder this process can use`,
        options,
      );
    return super.mapError(error, operation, sessionId);
  }
}

/** What {@link FileSessionStore.convertLayout} did with one session. */
export type LayoutMove = { kind: 'moved' | 'already' | 'missing' } | { kind: 'kept'; reason: string };

/** Creates a file store over `options.dir`. */
export function createFileStore(options: FileStoreOptions): FileSessionStore {
  return new FileSessionStore(options);
}

/** For `openSessionStore('file:./sessions')`: `file:./rel`, `file:/abs`, `file:///abs`, options as query parameters. */
export function openFromUrl(url: StoreUrl, options: CommonStoreOptions = {}): FileSessionStore {
  return new FileSessionStore({ ...optionsFromUrl(url), ...options });
}
