/**
 * RedisSessionStore: backend I/O only (the rules are core's SegmentedSessionStore). A session is a hash (head JSON,
 * revision, message count and digest, summary fields) plus a list of segments, both under one hash tag; Lua scripts
 * check and write atomically, and an agent turn pushes only its new messages. Listing reads a lexicographically
 * ordered index, never documents.
 */
import {
  type Committed,
  type ListQuery,
  type ListSessionsResult,
  type ResolvedWindow,
  reusedKeyError,
  type SegmentAppend,
  SegmentedSessionStore,
  type SegmentTruncate,
  type SegmentWrite,
  SessionStoreError,
  type StoredParts,
  type StoredSegments,
  type StoredState,
  StoreUnavailableError,
} from '@agent-sessions/core/adapter';
import { type Client, closeClient, openClient } from './client.js';
import { isAccessError, mapRedisError, wrongTypeError } from './errors.js';
import { sliceFromReply } from './history.js';
import { expiryKey, indexKey, indexMember, type SessionKeys, sessionKeys } from './keys.js';
import { BACKEND, type RedisStoreOptions, type ResolvedRedisOptions, resolveOptions } from './options.js';
import { refusal, STATE_FIELDS, saveIndexKeys, stateFromFields, str } from './replies.js';
import { ScriptRunner } from './script-runner.js';
import { APPEND, appendArgs, REMOVE, type RedisState, SAVE, SLICE, saveArgs, type TruncateArgs } from './scripts.js';
import { SessionIndex } from './session-index.js';

/**
 * Sessions in Redis (standalone or Cluster) over ioredis: a head hash and a list of message segments per
 * session, changed together by Lua scripts; an ordered listing index.
 */
export class RedisSessionStore extends SegmentedSessionStore<RedisState> {
  readonly backendName = BACKEND;
  /** The resolved, frozen options. */
  readonly options: ResolvedRedisOptions;
  /** The ioredis client (yours when you passed one in). */
  readonly client: Client;
  readonly #ownsClient: boolean;
  readonly #run: ScriptRunner;
  readonly #index: SessionIndex;
  /** On a Cluster the index is written in a step of its own (another slot); on a standalone server, by the script. */
  readonly #cluster: boolean;
  #ready: Promise<void> | null = null;
  /** The server's refusal of the last login (WRONGPASS, NOAUTH), until a connection is ready again. */
  #refusedLogin: unknown = null;

  constructor(options: RedisStoreOptions | string) {
    const input: RedisStoreOptions = typeof options === 'string' ? { url: options } : options;
    const resolved = resolveOptions(input);
    super({
      encryption: input.encryption,
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { maxDocumentBytes: resolved.maxDocumentBytes },
      historyCacheBytes: resolved.historyCacheBytes,
    });
    this.options = resolved;
    const opened = openClient(input, resolved);
    this.client = opened.client;
    this.#ownsClient = opened.owns;
    this.#cluster = (this.client as { isCluster?: boolean }).isCluster === true;
    this.#run = new ScriptRunner(this.client, resolved.prefix, () => this.#connect());
    this.#index = new SessionIndex(this.client, resolved.prefix, resolved.ttlMs);
    if (this.#ownsClient) {
      // Connection errors surface through the failing operations; without a listener ioredis would log each retry.
      // A refused AUTH is only seen here: the operation that fails next sees "Connection is closed", so it is kept
      // to tell a wrong password from a server that is down (a later network error replaces it).
      this.client.on('error', (error: unknown) => {
        this.#refusedLogin = isAccessError(error) ? error : null;
      });
      this.client.on('ready', () => {
        this.#refusedLogin = null;
      });
    }
  }

  // ---- plumbing --------------------------------------------------------------------------------------------------
  #connect(): Promise<void> {
    if (!this.#ownsClient || this.client.status === 'ready') return Promise.resolve();
    this.#ready ??= (async () => {
      if (this.client.status === 'wait') await this.client.connect();
    })().finally(() => {
      this.#ready = null;
    });
    return this.#ready;
  }

  #keys(id: string): SessionKeys {
    return sessionKeys(this.options.prefix, id);
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    if (error instanceof SessionStoreError) return error;
    const damaged = sessionId === null ? null : wrongTypeError(error, this.#keys(sessionId), sessionId);
    if (damaged !== null) return damaged;
    const mapped = mapRedisError(error, operation, sessionId);
    if (mapped instanceof StoreUnavailableError && this.#refusedLogin !== null)
      return mapRedisError(this.#refusedLogin, operation, sessionId);
    return mapped;
  }

  // ---- the I/O steps -----------------------------------------------------------------------------------------------
  protected async readState(id: string): Promise<StoredState<RedisState> | null> {
    await this.#connect();
    const keys = this.#keys(id);
    return stateFromFields(await this.client.hmget(keys.head, ...STATE_FIELDS), keys.head);
  }

  protected async readParts(id: string): Promise<StoredParts<RedisState> | null> {
    const keys = this.#keys(id);
    await this.#connect();
    // One transaction, so the head and the messages are read at one instant (Lua would copy the whole history twice).
    const results = await this.client
      .multi()
      .hmget(keys.head, 'head', 'rev', 'count', 'digest', 'parent')
      .lrange(keys.messages, 0, -1)
      .exec();
    if (results === null) throw new Error('the read transaction was aborted');
    for (const [error] of results) if (error) throw error;
    const [[, fields], [, segments]] = results as [[null, (string | null)[]], [null, string[]]];
    const [headJson, rev, count, digest, parent] = fields;
    if (headJson === null || headJson === undefined) return null;
    return {
      revision: Number(rev),
      state: { count: Number(count), digest: digest ?? '', parent: parent ?? 'null' },
      headJson,
      // The list elements are comma-joined message texts: joined again, they are one JSON array's inside.
      messagesText: segments.join(','),
      record: keys.head,
      messagesRecord: keys.messages,
    };
  }

  protected async commitWrite(w: SegmentWrite<RedisState>): Promise<Committed<RedisState>> {
    return this.#save(w);
  }

  protected override async readSegments(
    id: string,
    window: ResolvedWindow,
  ): Promise<StoredSegments<RedisState> | null> {
    await this.#connect();
    const keys = this.#keys(id);
    const args = 'last' in window ? ['', '', String(window.last)] : [String(window.from), String(window.to ?? ''), ''];
    const reply = await this.#run.eval(SLICE, [keys.head, keys.messages], args);
    if (reply === null) return null;
    // A session written before segment counts were kept: read it whole.
    return sliceFromReply(reply, keys.head) ?? super.readSegments(id, window);
  }

  protected override async commitTruncate(t: SegmentTruncate<RedisState>): Promise<Committed<RedisState>> {
    const cut: TruncateArgs =
      t.cut === null
        ? { cut: '-1', cutText: '', cutCount: '0' }
        : { cut: String(t.cut.ref), cutText: t.cut.text, cutCount: String(t.cut.count) };
    const write = { ...t, rewrite: false, from: t.count, added: 0, text: '' };
    return this.#save(write, cut);
  }

  async #save(w: SegmentWrite<RedisState>, truncate?: TruncateArgs): Promise<Committed<RedisState>> {
    const { prefix, ttlMs } = this.options;
    const member = indexMember(w.summary.updated_at, w.id);
    const parentId = w.summary.parent_id;
    const indexKeys = this.#cluster ? [] : saveIndexKeys(prefix, parentId, w.base);
    const now = Date.now();
    const args = saveArgs(
      w,
      { member, expiryEntry: JSON.stringify([member, parentId]), indexed: !this.#cluster },
      ttlMs,
      now,
      truncate,
    );
    const reply = await this.#run.write(SAVE, w.id, this.#keys(w.id), indexKeys, [args], w.text);
    const refused = refusal<RedisState>(reply);
    if (refused !== null) return refused;
    if (this.#cluster) await this.#index.update(w.id, w.summary.updated_at, parentId, str(reply[2]), str(reply[3]));
    else if (Number(reply[4]) > 0) await this.#index.sweepExpired();
    return {
      revision: Number(reply[1]),
      state: { count: w.count, digest: w.digest, parent: JSON.stringify(parentId) },
    };
  }

  protected async commitAppend(a: SegmentAppend<RedisState>): Promise<Committed<RedisState>> {
    const { prefix, ttlMs } = this.options;
    const args = appendArgs(a, ttlMs, !this.#cluster, Date.now());
    const indexKeys = this.#cluster ? [] : [indexKey(prefix), expiryKey(prefix)];
    const reply = await this.#run.write(APPEND, a.id, this.#keys(a.id), indexKeys, [args], a.text);
    if (reply[0] === 'replayed') return { replayed: Number(reply[1]) };
    if (reply[0] === 'reused') throw reusedKeyError(a.id, BACKEND);
    const refused = refusal<RedisState>(reply);
    if (refused !== null) return refused;
    const parent = String(reply[3]);
    if (this.#cluster && ttlMs !== null) {
      // The expiry of the session's index entry slides with the session.
      const updatedAt = Number(reply[2]);
      await this.#index.update(a.id, updatedAt, JSON.parse(parent) as string | null, String(updatedAt), parent);
    } else if (Number(reply[4]) > 0) await this.#index.sweepExpired();
    return { revision: Number(reply[1]), state: { count: a.count, digest: a.digest, parent } };
  }

  protected async deleteSession(id: string): Promise<boolean> {
    const keys = this.#keys(id);
    const reply = await this.#run.eval(REMOVE, [keys.head, keys.messages], []);
    if (reply === null) return false;
    await this.#index.remove(indexMember(Number(reply[0]), id), JSON.parse(String(reply[1])) as string | null);
    return true;
  }

  // ---- listing and the rest ----------------------------------------------------------------------------------------
  protected override async hasSession(id: string): Promise<boolean> {
    await this.#connect();
    return (await this.client.exists(this.#keys(id).head)) === 1;
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    await this.#connect();
    return this.#index.page(query);
  }

  protected async listIds(): Promise<string[]> {
    await this.#connect();
    return this.#index.ids();
  }

  protected async ping(): Promise<void> {
    await this.#connect();
    await this.client.ping();
  }

  protected async closeResources(): Promise<void> {
    if (this.#ownsClient) await closeClient(this.client);
  }
}

/** Creates a Redis session store (see RedisStoreOptions). */
export function createRedisStore(options: RedisStoreOptions | string): RedisSessionStore {
  return new RedisSessionStore(options);
}
