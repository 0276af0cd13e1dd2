/**
 * S3SessionStore: one object per session under a prefix. The revision lives in the object's metadata; conditional
 * writes (If-None-Match: * to create, If-Match on the ETag read with the revision to update) make the check and the
 * write one atomic step on servers that honour them. Listing reads small index markers (see keys.ts and listing.ts).
 */

import {
  type AppendKey,
  type AppendKeyRecord,
  assertRevision,
  BaseSessionStore,
  type CommonStoreOptions,
  type ListQuery,
  type ListSessionsResult,
  type Message,
  mapLimit,
  nextRevision,
  parseStoreUrl,
  replayedRevision,
  SessionConflictError,
  type SessionData,
  SessionNotFoundError,
  type SessionStoreError,
  type SessionWrite,
  type StoredSession,
  StoreUnavailableError,
  type StoreUrl,
  withAppendKey,
} from '@agent-sessions/core/adapter';
import {
  DeleteObjectCommand,
  type DeleteObjectCommandInput,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { encodeBody, isGzip, readBody } from './body.js';
import { createClient } from './client.js';
import { retryPause } from './concurrency.js';
import { KeyLayout, parentHash, sha256Hex } from './keys.js';
import { type IndexSource, listFromIndex } from './listing.js';
import { buildMetadata, type ObjectState, readObjectState } from './metadata.js';
import { optionsFromUrl, type ResolvedS3Options, resolveOptions, type S3StoreOptions } from './options.js';
import { isNoSuchKey, isNotImplemented, isPreconditionFailed, mapS3Error } from './s3-errors.js';

interface FetchedObject {
  bytes: Uint8Array;
  state: ObjectState;
}

/** Sessions in S3 (or MinIO, R2): one object per session, revisions in metadata checked with conditional writes. */
export class S3SessionStore extends BaseSessionStore {
  readonly backendName = 's3';
  /** The bucket and the normalized prefix (`""` or ending in `/`) this store works in. */
  readonly bucket: string;
  /** The normalized key prefix: `""` or ending in `/`. */
  readonly prefix: string;
  readonly #options: ResolvedS3Options;
  readonly #client: S3Client;
  readonly #ownsClient: boolean;
  readonly #layout: KeyLayout;
  readonly #index: IndexSource;
  #ready: Promise<void> | null = null;
  /** Cleared when the server answers 501 to a conditional DELETE (deletes are then plain). */
  #conditionalDeletes = true;

  /** Options, or an `s3://bucket/prefix?…` URL (see the README for its query parameters). */
  constructor(options: S3StoreOptions | string) {
    const resolved = resolveOptions(typeof options === 'string' ? optionsFromUrl(parseStoreUrl(options)) : options);
    super({
      encryption: typeof options === 'string' ? undefined : options.encryption,
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { atomicRevisions: resolved.conditionalWrites, maxDocumentBytes: resolved.maxDocumentBytes },
    });
    this.#options = resolved;
    this.bucket = resolved.bucket;
    this.prefix = resolved.prefix;
    this.#ownsClient = resolved.client === undefined;
    this.#client = resolved.client ?? createClient(resolved);
    this.#layout = new KeyLayout(resolved.prefix);
    this.#index = {
      layout: this.#layout,
      concurrency: resolved.listConcurrency,
      list: (prefix, startAfter, token, maxKeys) => this.#list(prefix, startAfter, token, maxKeys, undefined),
      head: (key, id) => this.#head(key, id),
      read: async (key, id) => {
        const got = await this.#get(key, id);
        return got === null ? null : { session: this.#decode(got.bytes, key, id), revision: got.state.revision };
      },
      // Best effort: a reader without delete permission still gets a correct listing; a later one cleans up.
      dropMarker: (key) => this.#deleteKeys([key]).catch(() => {}),
    };
  }

  // ---- requests ----------------------------------------------------------------------------------------------
  /** Per-request options: an abort signal, so a request past the deadline is cancelled, not just abandoned. */
  #http(): { abortSignal?: AbortSignal } {
    const ms = this.#options.operationTimeoutMs;
    return ms === null ? {} : { abortSignal: AbortSignal.timeout(ms) };
  }

  #record(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** Checks once that the bucket exists and the credentials may list the prefix; retried after a failure. */
  #ensureReady(): Promise<void> {
    this.#ready ??= this.#list(this.prefix, undefined, undefined, 1, undefined).then(
      () => {},
      (error) => {
        this.#ready = null;
        throw error;
      },
    );
    return this.#ready;
  }

  #list(
    prefix: string,
    startAfter: string | undefined,
    token: string | undefined,
    maxKeys: number | undefined,
    delimiter: string | undefined,
  ): Promise<ListObjectsV2CommandOutput> {
    return this.#client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        ...(token === undefined ? (startAfter === undefined ? {} : { StartAfter: startAfter }) : {}),
        ...(token === undefined ? {} : { ContinuationToken: token }),
        ...(maxKeys === undefined ? {} : { MaxKeys: maxKeys }),
        ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
      }),
      this.#http(),
    );
  }

  async #head(key: string, id: string | null): Promise<ObjectState | null> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), this.#http());
      return readObjectState(out.Metadata, out.ETag, this.#record(key), id);
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
  }

  async #get(key: string, id: string | null): Promise<FetchedObject | null> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), this.#http());
      const record = this.#record(key);
      const state = readObjectState(out.Metadata, out.ETag, record, id);
      // The decoded size, so the body lands in one buffer allocated up front; capped, since metadata can lie.
      const expected = isGzip(out.ContentEncoding) ? (state.size ?? undefined) : out.ContentLength;
      const expectedBytes = expected === undefined ? undefined : Math.min(expected, this.#options.maxDocumentBytes);
      const info = { contentEncoding: out.ContentEncoding, expectedBytes };
      return { bytes: await readBody(out.Body, info, record, id), state };
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
  }

  /** A hashed key or a copied object could hold another session: decode refuses to hand it out under `id`. */
  #decode(bytes: Uint8Array, key: string, id: string | null): SessionData {
    return this.decode(bytes, this.#record(key), id);
  }

  async #deleteKeys(keys: readonly string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), this.#http())),
    );
  }

  /**
   * Uploads a document at `revision`, conditional on `previous` (null: must not exist). False when the condition
   * failed (another writer got in first). On success the index markers follow the new state.
   */
  async #put(
    session: SessionData,
    json: string,
    revision: number,
    previous: ObjectState | null,
    appendKeys: readonly AppendKeyRecord[] = previous?.appendKeys ?? [],
  ): Promise<boolean> {
    const key = this.#layout.documentKey(session.id);
    const gzip = this.#options.gzip;
    const { body, size } = await encodeBody(json, revision, gzip);
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/json; charset=utf-8',
      Metadata: buildMetadata(
        session,
        revision,
        gzip ? size : undefined,
        appendKeys,
        this.listedName(session.config.name, session.id),
      ),
    };
    if (gzip) input.ContentEncoding = 'gzip';
    const conditional = this.#options.conditionalWrites;
    if (conditional) {
      if (previous === null) input.IfNoneMatch = '*';
      else if (previous.etag !== undefined) input.IfMatch = previous.etag;
    }
    try {
      await this.#client.send(new PutObjectCommand(input), this.#http());
    } catch (error) {
      // If-Match on an object deleted meanwhile answers 404 NoSuchKey on AWS.
      if (conditional && (isPreconditionFailed(error) || (previous !== null && isNoSuchKey(error)))) return false;
      throw error;
    }
    await this.#reindex(session, previous);
    return true;
  }

  /** Puts the markers of the new state, then removes those of the previous one (never the other way round). */
  async #reindex(session: SessionData, previous: ObjectState | null): Promise<void> {
    const parent = session.parent_id == null ? null : parentHash(session.parent_id);
    const next = this.#layout.indexKeys(session.id, session.updated_at, parent);
    await Promise.all(
      next.map((key) =>
        this.#client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: '', ContentLength: 0 }),
          this.#http(),
        ),
      ),
    );
    const old = this.#markersOf(session.id, previous).filter((key) => !next.includes(key));
    if (old.length > 0) await this.#deleteKeys(old);
  }

  #markersOf(id: string, state: ObjectState | null): string[] {
    if (state === null || state.updatedAt === null) return [];
    return this.#layout.indexKeys(id, state.updatedAt, state.parent);
  }

  /** A retry loop's guard: the caller stopped waiting at the deadline, so the loop must stop too. */
  #deadline(operation: string, id: string): () => void {
    const ms = this.#options.operationTimeoutMs;
    const end = ms === null ? Number.POSITIVE_INFINITY : Date.now() + ms;
    return () => {
      if (Date.now() > end || this.closed)
        throw new StoreUnavailableError(`s3: ${operation} of "${id}" kept losing to concurrent writers`, {
          backend: this.backendName,
          sessionId: id,
        });
    };
  }

  // ---- the backend -------------------------------------------------------------------------------------------
  protected async readSession(id: string): Promise<StoredSession | null> {
    await this.#ensureReady();
    const key = this.#layout.documentKey(id);
    const got = await this.#get(key, id);
    return got === null ? null : { session: this.#decode(got.bytes, key, id), revision: got.state.revision };
  }

  protected async writeSession(write: SessionWrite): Promise<number> {
    await this.#ensureReady();
    const key = this.#layout.documentKey(write.id);
    const check = this.#deadline('save', write.id);
    for (let attempt = 0; ; attempt++) {
      check();
      // A first create attempt needs no read: If-None-Match alone decides. After a lost write, the read below
      // turns a changed revision into SessionConflictError (with the revision now stored) or retries.
      const current =
        attempt === 0 && write.expectedRevision === 0 && this.#options.conditionalWrites
          ? null
          : await this.#head(key, write.id);
      assertRevision(write.id, write.expectedRevision, current?.revision ?? null, this.backendName);
      const revision = nextRevision(current?.revision ?? null);
      if (await this.#put(write.session, write.json, revision, current, write.appendKeys)) return revision;
      // Lost to another writer (412), or one was still in flight (409): read again and decide.
      if (attempt > 0 || write.expectedRevision === undefined) await retryPause(attempt);
    }
  }

  /** Read-modify-write with the ETag of the read, retried when another writer got in first (unless pinned). */
  protected override async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
    appendKey?: AppendKey,
  ): Promise<number> {
    await this.#ensureReady();
    const key = this.#layout.documentKey(id);
    const check = this.#deadline('appendMessages', id);
    for (let attempt = 0; ; attempt++) {
      check();
      const got = await this.#get(key, id);
      if (got === null) {
        if (expectedRevision !== undefined)
          throw new SessionConflictError(id, expectedRevision, null, { backend: this.backendName });
        throw new SessionNotFoundError(id, { backend: this.backendName });
      }
      // A retry of a keyed append is answered first: its first attempt moved the revision on.
      const replayed =
        appendKey === undefined ? null : replayedRevision(got.state.appendKeys, appendKey, id, this.backendName);
      if (replayed !== null) return replayed;
      assertRevision(id, expectedRevision, got.state.revision, this.backendName);
      const stored = this.#decode(got.bytes, key, id);
      const session = { ...stored, messages: [...stored.messages, ...messages] } as SessionData;
      const write = this.prepareWrite(session, got.state.revision);
      const revision = got.state.revision + 1;
      const keys = appendKey === undefined ? undefined : withAppendKey(got.state.appendKeys, appendKey, revision);
      if (await this.#put(session, write.json, revision, got.state, keys)) return revision;
      // Lost: the next read throws SessionConflictError if the revision moved, else this retries.
      await retryPause(attempt);
    }
  }

  protected async removeSession(id: string): Promise<boolean> {
    await this.#ensureReady();
    const key = this.#layout.documentKey(id);
    const check = this.#deadline('delete', id);
    for (let attempt = 0; ; attempt++) {
      check();
      const current = await this.#head(key, id);
      if (current === null) return false;
      const input: DeleteObjectCommandInput = { Bucket: this.bucket, Key: key };
      // If-Match makes concurrent deletes agree on which one removed the session (AWS honours it; servers that
      // do not implement it answer 501 or ignore it).
      if (this.#options.conditionalWrites && this.#conditionalDeletes && current.etag !== undefined)
        input.IfMatch = current.etag;
      try {
        await this.#client.send(new DeleteObjectCommand(input), this.#http());
      } catch (error) {
        if (input.IfMatch !== undefined && isNotImplemented(error)) {
          this.#conditionalDeletes = false;
          continue;
        }
        if (input.IfMatch !== undefined && (isPreconditionFailed(error) || isNoSuchKey(error))) {
          await retryPause(attempt);
          continue;
        }
        throw error;
      }
      const markers = this.#markersOf(id, current);
      if (markers.length > 0) await this.#deleteKeys(markers);
      return true;
    }
  }

  protected override async hasSession(id: string): Promise<boolean> {
    await this.#ensureReady();
    return (await this.#head(this.#layout.documentKey(id), id)) !== null;
  }

  protected async listIds(): Promise<string[]> {
    await this.#ensureReady();
    const ids: string[] = [];
    const hashed: string[] = [];
    let token: string | undefined;
    do {
      // The delimiter keeps the index folders (".index/", ".children/") out of the listing.
      const page = await this.#list(this.prefix, undefined, token, undefined, '/');
      for (const object of page.Contents ?? []) {
        const name = this.#layout.parseDocumentKey(object.Key ?? '');
        if (name?.kind === 'id') ids.push(name.id);
        else if (name?.kind === 'hashed') hashed.push(name.hash);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    // A long id is only in its object's metadata (or, for a foreign object, its document).
    const long = await mapLimit(hashed, this.#options.listConcurrency, (hash) => this.#idOfHashed(hash));
    for (const id of long) if (id !== null) ids.push(id);
    return ids;
  }

  async #idOfHashed(hash: string): Promise<string | null> {
    const key = this.#layout.documentKeyOfHash(hash);
    const state = await this.#head(key, null);
    if (state === null) return null;
    if (state.id !== null && sha256Hex(state.id) === hash) return state.id;
    const got = await this.#get(key, null);
    if (got === null) return null;
    const id = this.#decode(got.bytes, key, null).id;
    return sha256Hex(id) === hash ? id : null;
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    await this.#ensureReady();
    return listFromIndex(this.#index, query);
  }

  protected async ping(): Promise<void> {
    await this.#list(this.prefix, undefined, undefined, 1, undefined);
  }

  protected async closeResources(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    return mapS3Error(error, {
      bucket: this.bucket,
      prefix: this.prefix,
      endpoint:
        this.#options.endpoint ?? (this.#ownsClient ? 'AWS S3' : 'the endpoint of the S3Client passed to the store'),
      operation,
      sessionId,
    });
  }
}

/** Creates an S3 store from options or an `s3://` URL. */
export function createS3Store(options: S3StoreOptions | string): S3SessionStore {
  return new S3SessionStore(options);
}

/** Used by `openSessionStore('s3://bucket/prefix?…')`. */
export function openFromUrl(url: StoreUrl, options: CommonStoreOptions = {}): S3SessionStore {
  return new S3SessionStore({ ...optionsFromUrl(url), ...options });
}
