import {
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
  type SessionWrite,
  type StoredSession,
  type StoreUrl,
  summarize,
} from '@agent-sessions/core/adapter';
import { createMemoryStorage, type MemoryStorage, type MemoryStoreOptions } from './options.js';

/**
 * Sessions in a Map of the current process. Documents are kept encoded, so a caller never shares an object with
 * the store: what `load` returns can be changed freely, and a change to a saved object does not leak in.
 */
export class MemorySessionStore extends BaseSessionStore {
  readonly backendName = 'memory';
  readonly #storage: MemoryStorage;

  constructor(options: MemoryStoreOptions = {}) {
    super({
      encryption: options.encryption,
      capabilities: {
        maxDocumentBytes: positiveIntegerOption(
          'maxDocumentBytes',
          options.maxDocumentBytes,
          DEFAULT_MAX_DOCUMENT_BYTES,
          'memory',
        ),
      },
    });
    this.#storage = options.storage ?? createMemoryStorage();
  }

  protected async readSession(id: string): Promise<StoredSession | null> {
    const record = this.#storage.get(id);
    if (!record) return null;
    const session = this.decode(record.json, `memory:${JSON.stringify(id)}`, id);
    return { session, revision: record.revision, appendKeys: record.appendKeys ?? [] };
  }

  // JavaScript runs this synchronously between awaits, so check and write are one atomic step.
  protected async writeSession({ id, session, json, expectedRevision, appendKeys }: SessionWrite): Promise<number> {
    const stored = this.#storage.get(id);
    const current = stored?.revision ?? null;
    assertRevision(id, expectedRevision, current, this.backendName);
    const revision = nextRevision(current);
    const keys = appendKeys ?? stored?.appendKeys;
    this.#storage.set(id, {
      json,
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

  /** The stored bytes of one session (for tests and tools). */
  rawRead(id: string): string | null {
    return this.#storage.get(id)?.json ?? null;
  }
}

/** A new MemorySessionStore. */
export function createMemoryStore(options?: MemoryStoreOptions): MemorySessionStore {
  return new MemorySessionStore(options);
}

const namedStorages = new Map<string, MemoryStorage>();

/**
 * `memory:` opens a private store; `memory:<name>` shares one map per name within the process, so two parts of an
 * application can open the same in-memory store by URL. `?maxDocumentBytes=` sets the size limit.
 */
export function openFromUrl(url: StoreUrl, options: CommonStoreOptions = {}): MemorySessionStore {
  const { values } = readUrlParams(url, { maxDocumentBytes: { type: 'integer' } }, 'memory');
  const name = url.location;
  let storage: MemoryStorage | undefined;
  if (name !== '') {
    storage = namedStorages.get(name) ?? createMemoryStorage();
    namedStorages.set(name, storage);
  }
  return new MemorySessionStore({ ...options, storage, maxDocumentBytes: values.maxDocumentBytes });
}
