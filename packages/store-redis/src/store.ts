/**
 * RedisSessionStore: backend I/O only. A session is a hash (head JSON, revision, message count and digest, summary
 * fields) plus a list of message JSONs, both under one hash tag; Lua scripts check the revision and write atomically,
 * and an agent turn pushes only its new messages. Listing reads a lexicographically ordered index, never documents.
 */
import {
  appendedSegmentBytes,
  BaseSessionStore,
  decodeSplitSession,
  digestSegment,
  documentBytesOf,
  headJsonOf,
  KnownHistories,
  type KnownPrefix,
  type ListQuery,
  type ListSessionsResult,
  type Message,
  type MessageLogState,
  planSegmentWrite,
  SessionConflictError,
  SessionCorruptError,
  type SessionData,
  SessionNotFoundError,
  SessionStoreError,
  SessionTooLargeError,
  type SessionWrite,
  type StoredSession,
  StoreUnavailableError,
} from '@agent-sessions/core';
import { Cluster, Redis } from 'ioredis';
import { isAccessError, mapRedisError } from './errors.js';
import { expiryKey, indexKey, indexMember, parentIndexKey, type SessionKeys, sessionKeys } from './keys.js';
import {
  BACKEND,
  connectionDefaults,
  type RedisStoreOptions,
  type ResolvedRedisOptions,
  resolveOptions,
} from './options.js';
import { ScriptRunner } from './script-runner.js';
import { APPEND, REMOVE, SAVE } from './scripts.js';
import { SessionIndex } from './session-index.js';

type Client = Redis | Cluster;

/** What a write assumes about the stored session (checked by its script): message log and parent (JSON). */
interface KnownState extends MessageLogState {
  parent: string;
}

export class RedisSessionStore extends BaseSessionStore {
  readonly backendName = BACKEND;
  readonly options: ResolvedRedisOptions;
  /** The ioredis client (yours when you passed one in). */
  readonly client: Client;
  readonly #ownsClient: boolean;
  /**
   * What this store last read or wrote of each session (message-log state, parent, and the messages while the
   * budget allows), so a turn usually needs no read before its write and a save skips the messages already stored.
   */
  readonly #known: KnownHistories<KnownState>;
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
      operationTimeoutMs: resolved.operationTimeoutMs,
      capabilities: { maxDocumentBytes: resolved.maxDocumentBytes },
    });
    this.options = resolved;
    this.#known = new KnownHistories({ maxBytes: resolved.historyCacheBytes });
    const defaults = connectionDefaults(resolved.operationTimeoutMs);
    if (input.client) {
      this.client = input.client;
      this.#ownsClient = false;
    } else if (input.clusterNodes) {
      this.client = new Cluster(input.clusterNodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        slotsRefreshTimeout: resolved.operationTimeoutMs,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
        ...input.clusterOptions,
        redisOptions: { ...defaults, ...input.clusterOptions?.redisOptions },
      });
      this.#ownsClient = true;
    } else {
      this.client = input.url
        ? new Redis(input.url, { ...defaults, ...input.redisOptions })
        : new Redis({ ...defaults, ...input.redisOptions });
      this.#ownsClient = true;
    }
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

  async #state(id: string, keys: SessionKeys): Promise<KnownState | null> {
    const known = this.#known.state(id);
    if (known !== undefined) return known;
    await this.#connect();
    const [rev, count, digest, parent] = await this.client.hmget(keys.head, 'rev', 'count', 'digest', 'parent');
    if (rev === null) return null; // not remembered: another process may create it any time
    const state = { count: Number(count), digest: digest ?? '', parent: parent ?? 'null' };
    this.#known.remember(id, state, null);
    return state;
  }

  protected override mapError(error: unknown, operation: string, sessionId: string | null): SessionStoreError {
    if (error instanceof SessionStoreError) return error;
    // Another program put a value of another type under one of this session's keys: the record is damaged.
    if (sessionId !== null && /WRONGTYPE/.test(String((error as Error)?.message))) {
      const keys = this.#keys(sessionId);
      return new SessionCorruptError(
        `${keys.head} / ${keys.messages}`,
        'one of its keys holds a value of the wrong Redis type (WRONGTYPE)',
        { backend: BACKEND, sessionId, cause: error },
      );
    }
    const mapped = mapRedisError(error, operation, sessionId);
    if (mapped instanceof StoreUnavailableError && this.#refusedLogin !== null)
      return mapRedisError(this.#refusedLogin, operation, sessionId);
    return mapped;
  }

  // ---- writes ------------------------------------------------------------------------------------------------------
  // The document is measured after planning (before anything is written), so the whole-document JSON the base class
  // would build is never needed: each message is serialized once, inside its segment.
  protected override prepareWrite(session: SessionData, expectedRevision: number | undefined): SessionWrite {
    return { id: session.id, session, json: '', expectedRevision };
  }

  protected override knownPrefix(id: string, first: unknown): KnownPrefix | null {
    return this.#known.prefix(id, first);
  }

  protected async writeSession(write: SessionWrite): Promise<number> {
    const { id, session, expectedRevision } = write;
    const { prefix, ttlMs } = this.options;
    const keys = this.#keys(id);
    const headJson = headJsonOf(session);
    const parentId = session.parent_id ?? null;
    const parent = JSON.stringify(parentId);
    const member = indexMember(session.updated_at, id);
    const expiryEntry = JSON.stringify([member, parentId]);
    for (let attempt = 0; ; attempt++) {
      const state = await this.#state(id, keys);
      // After repeated 'stale' replies (writers racing on this session), rewrite: the messages of a rewrite cannot be
      // stale, only the stored parent it assumes, which changes only when a writer changes it.
      const plan = planSegmentWrite(attempt < 3 ? state : null, session.messages, write.prefix);
      const kind = attempt < 3 ? plan.kind : 'rewrite';
      const bytes = documentBytesOf(headJson, plan.messagesBytes);
      if (bytes > this.capabilities.maxDocumentBytes)
        throw new SessionTooLargeError(id, bytes, this.capabilities.maxDocumentBytes, { backend: BACKEND });
      // On a standalone server the script also moves the index entries; it needs the stored parent's index key,
      // which it checks against the stored parent ('stale' when another writer changed it).
      const storedParent = state === null ? null : (JSON.parse(state.parent) as string | null);
      const index = indexKey(prefix);
      const indexKeys = this.#cluster
        ? []
        : [
            index,
            expiryKey(prefix),
            parentId === null ? index : parentIndexKey(prefix, parentId),
            storedParent === null ? index : parentIndexKey(prefix, storedParent),
          ];
      const now = Date.now();
      const reply = await this.#run.write(
        SAVE,
        id,
        keys,
        indexKeys,
        [
          expectedRevision ?? '',
          kind,
          plan.from,
          state?.digest ?? '',
          session.messages.length,
          plan.digest,
          headJson,
          JSON.stringify(session.config.name),
          session.state,
          session.created_at,
          session.updated_at,
          parent,
          ttlMs ?? 0,
          bytes,
          member,
          expiryEntry,
          this.#cluster ? '' : '1',
          parentId === null ? '' : '1',
          state?.parent ?? '',
          ttlMs === null ? '' : now + ttlMs,
          now,
        ],
        plan.text,
      );
      if (reply[0] === 'stale') {
        this.#known.forget(id);
        continue;
      }
      if (reply[0] === 'conflict') {
        const current = Number(reply[1]);
        throw new SessionConflictError(id, expectedRevision as number, current === 0 ? null : current, {
          backend: BACKEND,
        });
      }
      const after = { count: session.messages.length, digest: plan.digest, parent };
      this.#known.rememberWrite(id, kind === 'rewrite' ? null : state, after, plan, after.count);
      if (this.#cluster)
        await this.#index.update(
          id,
          session.updated_at,
          parentId,
          reply[2] as string | null,
          reply[3] as string | null,
        );
      else if (Number(reply[4]) > 0) await this.#index.sweepExpired();
      return Number(reply[1]);
    }
  }

  protected override async appendToSession(
    id: string,
    messages: Message[],
    expectedRevision: number | undefined,
  ): Promise<number> {
    const keys = this.#keys(id);
    // The new messages as one list element: their JSON texts joined by commas.
    const text = JSON.stringify(messages).slice(1, -1);
    for (;;) {
      const state = await this.#state(id, keys);
      if (state === null) {
        if (expectedRevision !== undefined)
          throw new SessionConflictError(id, expectedRevision, null, { backend: BACKEND });
        throw new SessionNotFoundError(id, { backend: BACKEND });
      }
      const digest = digestSegment(text, messages.length, state.digest);
      const added = appendedSegmentBytes(text, messages.length, state.count);
      const { prefix, ttlMs } = this.options;
      const slide = !this.#cluster && ttlMs !== null;
      const reply = await this.#run.write(
        APPEND,
        id,
        keys,
        this.#cluster ? [] : [indexKey(prefix), expiryKey(prefix)],
        [
          expectedRevision ?? '',
          state.count,
          state.digest,
          digest,
          String(this.options.ttlMs ?? 0),
          state.count + messages.length,
          added,
          this.capabilities.maxDocumentBytes,
          slide ? Date.now() + (ttlMs as number) : '',
        ],
        text,
      );
      if (reply[0] === 'stale' || reply[0] === 'missing') {
        this.#known.forget(id);
        continue;
      }
      if (reply[0] === 'conflict')
        throw new SessionConflictError(id, expectedRevision as number, Number(reply[1]), { backend: BACKEND });
      if (reply[0] === 'toolarge')
        throw new SessionTooLargeError(id, Number(reply[1]), this.capabilities.maxDocumentBytes, { backend: BACKEND });
      const after = { count: state.count + messages.length, digest, parent: String(reply[3]) };
      this.#known.extend(id, state, after, text, messages.length);
      if (this.#cluster && ttlMs !== null) {
        // The expiry of the session's index entry slides with the session.
        const updatedAt = Number(reply[2]);
        const parent = JSON.parse(String(reply[3])) as string | null;
        await this.#index.update(id, updatedAt, parent, String(updatedAt), String(reply[3]));
      } else if (Number(reply[4]) > 0) await this.#index.sweepExpired();
      return Number(reply[1]);
    }
  }

  protected async removeSession(id: string): Promise<boolean> {
    const keys = this.#keys(id);
    const reply = await this.#run.eval(REMOVE, [keys.head, keys.messages], []);
    this.#known.forget(id);
    if (reply === null) return false;
    const member = indexMember(Number(reply[0]), id);
    const parent = JSON.parse(String(reply[1])) as string | null;
    await this.#index.remove(member, parent);
    return true;
  }

  // ---- reads -------------------------------------------------------------------------------------------------------
  protected async readSession(id: string): Promise<StoredSession | null> {
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
    if (headJson === null || headJson === undefined) {
      this.#known.forget(id);
      return null;
    }
    // One JSON.parse for the whole history: the list elements are comma-joined message texts.
    const messagesText = segments.join(',');
    const session = decodeSplitSession(
      { headJson, messagesText, count: Number(count), messagesRecord: keys.messages },
      id,
      {
        backend: BACKEND,
        sessionId: id,
        record: keys.head,
      },
    );
    const state = { count: session.messages.length, digest: digest ?? '', parent: parent ?? 'null' };
    this.#known.remember(id, state, messagesText);
    return { session, revision: Number(rev) };
  }

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
    if (!this.#ownsClient) return;
    const client = this.client;
    // QUIT lets pending replies arrive; a client that never connected, or lost its server, is simply dropped.
    if (client.status === 'ready') await Promise.race([client.quit().catch(() => {}), delay(1000)]);
    client.disconnect();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Creates a Redis session store (see RedisStoreOptions). */
export function createRedisStore(options: RedisStoreOptions | string): RedisSessionStore {
  return new RedisSessionStore(options);
}
