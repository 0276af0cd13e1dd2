/** Options of the Redis store: types with defaults, validation, and the URL form. */
import {
  type CommonStoreOptions,
  DEFAULT_HISTORY_CACHE_BYTES,
  DEFAULT_MAX_DOCUMENT_BYTES,
  DEFAULT_OPERATION_TIMEOUT_MS,
  InvalidArgumentError,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  readUrlParams,
  type StoreUrl,
} from '@agent-sessions/core/adapter';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

export const BACKEND = 'redis';
/** The key prefix when none is given. */
export const DEFAULT_PREFIX = 'agent-sessions:';

/** Options of RedisSessionStore: a URL, an existing client or Cluster nodes, and the store's own settings. */
export interface RedisStoreOptions extends CommonStoreOptions {
  /** `redis://` or `rediss://` URL of a server the store connects to (and closes). */
  url?: string;
  /** An existing ioredis `Redis` or `Cluster` client; the store leaves it open on close(). */
  client?: Redis | Cluster;
  /** Seed nodes of a Redis Cluster the store connects to (and closes). */
  clusterNodes?: ClusterNode[];
  /** Extra ioredis options for a connection the store makes (`url` or neither): merged over the store's defaults. */
  redisOptions?: RedisOptions;
  /** Extra ioredis Cluster options when the store connects to `clusterNodes`. */
  clusterOptions?: ClusterOptions;
  /** Prepended to every key. Default `agent-sessions:`. Must not contain `{` or `}` (they would break hash tags). */
  prefix?: string;
  /** Sessions expire this many seconds after their last save or append (sliding). Default: never. */
  ttlSeconds?: number;
  /** Time limit of one operation in ms, also for a client you pass in. Default 10000. */
  operationTimeoutMs?: number;
  /** Largest encoded document accepted by save and appendMessages, in bytes. Default 256 MiB (Redis caps one value at 512 MB). */
  maxDocumentBytes?: number;
  /**
   * Characters of message text this store keeps of the sessions it last read or wrote (default 64 Mi; 0: none), so
   * a save of a session it knows compares messages by value instead of serializing and hashing the whole history.
   */
  historyCacheBytes?: number;
}

/** The options a store runs with: every default filled in, frozen. */
export interface ResolvedRedisOptions {
  /** Resolved `prefix` (see RedisStoreOptions). */
  readonly prefix: string;
  /** `ttlSeconds` in ms, or null: sessions do not expire. */
  readonly ttlMs: number | null;
  /** Resolved `operationTimeoutMs` (see RedisStoreOptions). */
  readonly operationTimeoutMs: number;
  /** Resolved `maxDocumentBytes` (see RedisStoreOptions). */
  readonly maxDocumentBytes: number;
  /** Resolved `historyCacheBytes` (see RedisStoreOptions). */
  readonly historyCacheBytes: number;
}

export function resolveOptions(options: RedisStoreOptions): ResolvedRedisOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('options', 'expected { url } or { client } or { clusterNodes }', {
      backend: BACKEND,
    });
  const sources = [options.url, options.client, options.clusterNodes].filter((s) => s !== undefined).length;
  if (sources > 1)
    throw new InvalidArgumentError('options', 'give only one of url, client and clusterNodes', { backend: BACKEND });
  if (options.url !== undefined && !/^rediss?:\/\//i.test(options.url))
    throw new InvalidArgumentError('url', `expected redis://… or rediss://…, got "${options.url}"`, {
      backend: BACKEND,
    });
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw new InvalidArgumentError(
      'prefix',
      'expected a string without { or } (they would break Redis Cluster hash tags)',
      { backend: BACKEND },
    );
  const ttl =
    options.ttlSeconds === undefined ? null : positiveIntegerOption('ttlSeconds', options.ttlSeconds, 1, BACKEND);
  return Object.freeze({
    prefix,
    ttlMs: ttl === null ? null : ttl * 1000,
    operationTimeoutMs: positiveIntegerOption(
      'operationTimeoutMs',
      options.operationTimeoutMs,
      DEFAULT_OPERATION_TIMEOUT_MS,
      BACKEND,
    ),
    maxDocumentBytes: positiveIntegerOption(
      'maxDocumentBytes',
      options.maxDocumentBytes,
      DEFAULT_MAX_DOCUMENT_BYTES,
      BACKEND,
    ),
    historyCacheBytes: nonNegativeIntegerOption(
      'historyCacheBytes',
      options.historyCacheBytes,
      DEFAULT_HISTORY_CACHE_BYTES,
      BACKEND,
    ),
  });
}

/** ioredis settings for connections the store makes: fail fast while disconnected, reconnect in the background. */
export function connectionDefaults(timeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // Commands issued while disconnected fail at once (StoreUnavailableError) instead of queueing without bound;
    // the connection keeps retrying in the background, so the store works again when the server is back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A write whose reply was lost with its connection must not be applied a second time behind the caller's back:
    // it fails (StoreUnavailableError) and the caller decides. The scripts also carry a write token, so a client
    // passed in that does re-send still writes once.
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  };
}

/**
 * The store's query parameters in a `redis://` URL: the options of the same names; `ttl` and `timeout` are the
 * older names of `ttlSeconds` and `operationTimeoutMs`, still accepted. Everything else is ioredis's.
 */
const URL_PARAMS = {
  prefix: { type: 'string' },
  ttlSeconds: { type: 'integer', aliases: ['ttl'] },
  operationTimeoutMs: { type: 'integer', aliases: ['timeout'] },
  maxDocumentBytes: { type: 'integer' },
  historyCacheBytes: { type: 'count' },
} as const;

/**
 * `redis://[user:pass@]host:port/db?prefix=&ttlSeconds=&operationTimeoutMs=&…` (also `rediss://`). The store's own
 * parameters are removed before ioredis sees the URL.
 */
export function optionsFromUrl(url: StoreUrl): RedisStoreOptions {
  const { values, rest } = readUrlParams(url, URL_PARAMS, BACKEND, { passThrough: true });
  const query = rest.toString();
  return { url: `${url.scheme}:${url.location}${query ? `?${query}` : ''}`, ...values };
}
