/**
 * The file store: one a3s-code compatible pretty-JSON document per session in a folder, replaced atomically,
 * with revisions kept in hidden records beside the documents and checked under a per-session lock file, so
 * several processes can share one folder.
 */
import { mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertRevision,
  BaseSessionStore,
  encodeSession,
  type ListQuery,
  type ListSessionsResult,
  type Message,
  nextRevision,
  pageSummaries,
  SessionConflictError,
  type SessionData,
  SessionNotFoundError,
  type SessionStoreError,
  SessionStoreError as SessionStoreErrorClass,
  type SessionWrite,
  StoreAccessError,
  type StoredSession,
  StoreOperationError,
  StoreUnavailableError,
  type StoreUrl,
} from '@agent-sessions/core';
import { readDocument, statFingerprint, statFingerprintSync } from './documents.js';
import { FolderIndex, removeStaleTemps } from './folder-index.js';
import { errorCode, type Fingerprint, fsyncDir, isMissing, replaceFile, sameFingerprint } from './fs-utils.js';
import { META_DIR, pathsForId, type SessionPaths, tempName } from './layout.js';
import { type LockOptions, removeDeadBreaker, withLock } from './lock.js';
import {
  type FileStoreOptions,
  optionsFromUrl,
  type ResolvedFileStoreOptions,
  resolveFileStoreOptions,
} from './options.js';
import { currentRevision, readRecord, writeRecord } from './revision-record.js';

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
  #dirReady: Promise<void> | null = null;

  constructor(options: FileStoreOptions) {
    const resolved = resolveFileStoreOptions(options);
    super({
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { atomicRevisions: true, maxDocumentBytes: resolved.maxDocumentBytes },
    });
    this.options = resolved;
    this.dir = resolved.dir;
    this.#index = new FolderIndex(this.dir, (b, r, id) => this.decode(b, r, id), resolved.staleTempMs);
  }

  /** Pretty JSON with 2 spaces and no trailing newline: byte for byte what a3s-code writes, so it reads our files. */
  protected override encode(session: SessionData): string {
    return encodeSession(session, { pretty: true });
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
    for (const dir of [this.dir, meta])
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

  #decodeFn = (bytes: Uint8Array, record: string, id: string | null) => this.decode(bytes, record, id);

  /** Writes the document and then its revision record; the caller holds the session's lock. */
  async #commit(paths: SessionPaths, json: string, revision: number): Promise<number> {
    const fp = await replaceFile(paths.doc, json, { fsync: this.options.fsync, tempStem: paths.tempStem });
    writeRecord(paths.rev, { revision, fp });
    return revision;
  }

  // ---- the backend ------------------------------------------------------------------------------------------

  protected async readSession(id: string): Promise<StoredSession | null> {
    const paths = pathsForId(this.dir, id);
    for (let attempt = 1; ; attempt++) {
      const record = readRecord(paths.rev);
      const doc = await readDocument(paths.doc, paths.name, id, this.#decodeFn);
      if (doc === null) return null;
      if (record !== null && sameFingerprint(record.fp, doc.fp))
        return { session: doc.session, revision: record.revision };
      // Either another program changed the document (record it, so its next change counts again) or a writer of
      // ours is between its rename and its record write: both settle under the session's lock.
      const settled = attempt < READ_ATTEMPTS ? await this.#settle(id, paths, doc.fp) : null;
      if (settled === 'changed') continue;
      return { session: doc.session, revision: settled ?? (currentRevision(doc.fp, record) as number) };
    }
  }

  /**
   * Under the lock: the revision of the document version `fp`, recorded so that a further change by another
   * program advances it again. 'changed' when the document is no longer that version (read it again); null when
   * the record cannot be written (a read-only folder, a busy lock): the revision is then computed, not recorded.
   */
  async #settle(id: string, paths: SessionPaths, fp: Fingerprint): Promise<number | 'changed' | null> {
    try {
      return await withLock(paths.lock, this.#lockOptions(id), async () => {
        const now = statFingerprintSync(paths.doc);
        if (now === null || !sameFingerprint(now, fp)) return 'changed' as const;
        const record = readRecord(paths.rev);
        const revision = currentRevision(fp, record) as number;
        if (record === null || !sameFingerprint(record.fp, fp)) writeRecord(paths.rev, { revision, fp });
        return revision;
      });
    } catch (error) {
      if (ACCESS_CODES.has(errorCode(error) ?? '') || error instanceof SessionStoreErrorClass) return null;
      throw error;
    }
  }

  protected async writeSession(write: SessionWrite): Promise<number> {
    const paths = pathsForId(this.dir, write.id);
    await this.#ensureDir();
    return withLock(paths.lock, this.#lockOptions(write.id), async () => {
      const current = currentRevision(statFingerprintSync(paths.doc), readRecord(paths.rev));
      assertRevision(write.id, write.expectedRevision, current, BACKEND);
      return this.#commit(paths, write.json, nextRevision(current));
    });
  }

  /** Read, append and write under the session's lock: one step, so concurrent appends never retry or lose. */
  protected override async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
  ): Promise<number> {
    const paths = pathsForId(this.dir, id);
    const missing = () =>
      expectedRevision === undefined
        ? new SessionNotFoundError(id, { backend: BACKEND })
        : new SessionConflictError(id, expectedRevision, null, { backend: BACKEND });
    // Checked before locking so that appending to a missing session in a missing folder creates nothing.
    if ((await statFingerprint(paths.doc)) === null) throw missing();
    await this.#ensureDir();
    return withLock(paths.lock, this.#lockOptions(id), async () => {
      const record = readRecord(paths.rev);
      const doc = await readDocument(paths.doc, paths.name, id, this.#decodeFn);
      if (doc === null) throw missing();
      const current = currentRevision(doc.fp, record) as number;
      assertRevision(id, expectedRevision, current, BACKEND);
      const session = { ...doc.session, messages: [...doc.session.messages, ...messages] } as SessionData;
      const write = this.prepareWrite(session, current);
      return this.#commit(paths, write.json, nextRevision(current));
    });
  }

  protected async removeSession(id: string): Promise<boolean> {
    const paths = pathsForId(this.dir, id);
    if ((await statFingerprint(paths.doc)) === null) return false;
    await this.#ensureDir();
    return withLock(paths.lock, this.#lockOptions(id), async () => {
      let removed = true;
      try {
        await unlink(paths.doc);
      } catch (error) {
        if (!isMissing(error)) throw error;
        removed = false;
      }
      // The record goes too: a delete ends the history, and a re-created session starts again at 1.
      await unlink(paths.rev).catch((error) => {
        if (!isMissing(error)) throw error;
      });
      if (removed && this.options.fsync) await fsyncDir(this.dir);
      return removed;
    });
  }

  protected override async hasSession(id: string): Promise<boolean> {
    const paths = pathsForId(this.dir, id);
    // A hashed name does not say whose document it is: read it to check the id inside.
    if (paths.name.startsWith('~~')) return (await readDocument(paths.doc, paths.name, id, this.#decodeFn)) !== null;
    return (await statFingerprint(paths.doc)) !== null;
  }

  protected listIds(): Promise<string[]> {
    return this.#index.ids();
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    return pageSummaries(await this.#index.summaries(), query);
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

/** Creates a file store over `options.dir`. */
export function createFileStore(options: FileStoreOptions): FileSessionStore {
  return new FileSessionStore(options);
}

/** For `openSessionStore('file:./sessions')`: `file:./rel`, `file:/abs`, `file:///abs`, options as query parameters. */
export function openFromUrl(url: StoreUrl): FileSessionStore {
  return new FileSessionStore(optionsFromUrl(url));
}
