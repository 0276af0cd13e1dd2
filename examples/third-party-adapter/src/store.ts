/**
 * An adapter written only against the public API of `@agent-sessions/core`: sessions live in a Map, each
 * document deflate-compressed with node:zlib. Everything that is not I/O (validation, encoding, ids, revisions,
 * listing order and cursors, sizes, timeouts, URL parameters, error types) comes from `@agent-sessions/core/adapter`.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  type AppendKeyRecord,
  assertRevision,
  BaseSessionStore,
  type CommonStoreOptions,
  DEFAULT_MAX_DOCUMENT_BYTES,
  type ListQuery,
  type ListSessionsResult,
  nextRevision,
  pageSummaries,
  positiveIntegerOption,
  readUrlParams,
  SessionCorruptError,
  type SessionSummary,
  type SessionWrite,
  type StoredSession,
  type StoreUrl,
  summarize,
} from '@agent-sessions/core/adapter';

/**
 * One stored session: the compressed document, its revision, the summary listing reads (no inflating), and the
 * records of its last keyed appends (what makes a retried `appendMessages` with an `idempotencyKey` apply once).
 */
export interface ZmapRecord {
  data: Buffer;
  revision: number;
  summary: SessionSummary;
  appendKeys?: AppendKeyRecord[];
}

/** The data behind a store. Pass the same Map to several stores to make them share data. */
export type ZmapStorage = Map<string, ZmapRecord>;

/** Options of {@link ZmapSessionStore}; `encryption` (from CommonStoreOptions) seals every stored document. */
export interface ZmapStoreOptions extends CommonStoreOptions {
  /** Where sessions live. Default: a new, private Map. */
  storage?: ZmapStorage;
  /** zlib compression level, 1 (fastest) to 9 (smallest). Default: 6. */
  level?: number;
  /** Largest encoded (uncompressed) document accepted, in bytes. Default: core's DEFAULT_MAX_DOCUMENT_BYTES. */
  maxDocumentBytes?: number;
}

/** A new, empty storage Map. */
export function createZmapStorage(): ZmapStorage {
  return new Map();
}

/** Sessions in a Map of deflate-compressed documents, in the current process. */
export class ZmapSessionStore extends BaseSessionStore {
  readonly backendName = 'zmap';
  readonly #storage: ZmapStorage;
  readonly #level: number;

  constructor(options: ZmapStoreOptions = {}) {
    const maxDocumentBytes = positiveIntegerOption(
      'maxDocumentBytes',
      options.maxDocumentBytes,
      DEFAULT_MAX_DOCUMENT_BYTES,
      'zmap',
    );
    // The contract: a process-local store has no concurrent writers, but its check-and-write is atomic.
    super({ capabilities: { maxDocumentBytes }, encryption: options.encryption });
    this.#storage = options.storage ?? createZmapStorage();
    this.#level = positiveIntegerOption('level', options.level, 6, 'zmap');
  }

  protected async readSession(id: string): Promise<StoredSession | null> {
    const record = this.#storage.get(id);
    if (!record) return null;
    const name = `zmap:${JSON.stringify(id)}`;
    let json: string;
    try {
      json = inflateRawSync(record.data).toString('utf8');
    } catch (cause) {
      // Bytes that do not inflate are a damaged record, reported like any other.
      throw new SessionCorruptError(name, 'the compressed data does not inflate', { backend: 'zmap', cause });
    }
    // decode() parses, checks the schema and that the record holds this id; SessionCorruptError otherwise.
    return { session: this.decode(json, name, id), revision: record.revision, appendKeys: record.appendKeys ?? [] };
  }

  // `json` is already validated, encoded and measured. JavaScript runs this synchronously between awaits, so the
  // revision check and the write are one atomic step.
  // `appendKeys`: set by a keyed append, kept as stored otherwise; written in the same step as the document.
  protected async writeSession({ id, session, json, expectedRevision, appendKeys }: SessionWrite): Promise<number> {
    const stored = this.#storage.get(id);
    const current = stored?.revision ?? null;
    assertRevision(id, expectedRevision, current, this.backendName);
    const revision = nextRevision(current);
    const data = deflateRawSync(json, { level: this.#level });
    const keys = appendKeys ?? stored?.appendKeys;
    this.#storage.set(id, {
      data,
      revision,
      summary: summarize(session, revision),
      ...(keys ? { appendKeys: keys } : {}),
    });
    return revision;
  }

  protected async removeSession(id: string): Promise<boolean> {
    return this.#storage.delete(id);
  }

  protected override async hasSession(id: string): Promise<boolean> {
    return this.#storage.has(id);
  }

  protected async listIds(): Promise<string[]> {
    return [...this.#storage.keys()];
  }

  protected async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    return pageSummaries(
      Array.from(this.#storage.values(), (r) => ({ ...r.summary })),
      query,
    );
  }

  protected async ping(): Promise<void> {}

  protected async closeResources(): Promise<void> {}
}

/**
 * What `openSessionStore('zmap:?level=9', { packages: { zmap: '@acme/agent-sessions-store-zmap' } })` calls.
 * Unknown URL parameters are refused, naming the known ones.
 */
export function openFromUrl(url: StoreUrl, common: CommonStoreOptions = {}): ZmapSessionStore {
  const { values } = readUrlParams(url, { level: { type: 'integer' }, maxDocumentBytes: { type: 'integer' } }, 'zmap');
  return new ZmapSessionStore({ ...common, ...values });
}
