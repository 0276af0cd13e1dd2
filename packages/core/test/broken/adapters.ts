/**
 * Deliberately broken adapters, each with one defect a real adapter could have. The conformance suite must fail
 * every one of them (see ../conformance-catches-broken.test.ts). They extend the reference memory store.
 */

import { createMemoryStorage, MemorySessionStore, type MemoryStorage } from '../../../store-memory/src/index.js';
import type {
  ListQuery,
  ListSessionsResult,
  SessionData,
  SessionStore,
  SessionWrite,
  StoredSession,
} from '../../src/adapter.js';
import { pageSummaries, summarize } from '../../src/adapter.js';

export type Factory = (storage: MemoryStorage) => SessionStore;

class DropsReasoning extends MemorySessionStore {
  protected override encode(session: SessionData): string {
    return JSON.stringify(session, (k, v) => (k === 'reasoning_content' ? undefined : v));
  }
}

class IgnoresExpectedRevision extends MemorySessionStore {
  protected override writeSession(write: SessionWrite): Promise<number> {
    return super.writeSession({ ...write, expectedRevision: undefined });
  }
}

class ListsSanitizedIds extends MemorySessionStore {
  protected override async listIds(): Promise<string[]> {
    return (await super.listIds()).map((id) => id.replace(/[/\\]/g, '_').replace(/\.\./g, '_'));
  }
}

class PersistsApiKey extends MemorySessionStore {
  constructor(private readonly storage: MemoryStorage) {
    super({ storage });
  }
  override async save(session: SessionData, opts?: { expectedRevision?: number }) {
    const result = await super.save(session, opts);
    const record = this.storage.get(session.id);
    if (record) record.json = JSON.stringify(session); // the caller's object, api_key and all
    return result;
  }
}

class StripsNul extends MemorySessionStore {
  protected override encode(session: SessionData): string {
    return JSON.stringify(session).replaceAll('\\u0000', '');
  }
}

class NonAtomicRevisions extends MemorySessionStore {
  constructor(private readonly storage: MemoryStorage) {
    super({ storage });
  }
  protected override async writeSession(write: SessionWrite): Promise<number> {
    const current = this.storage.get(write.id)?.revision ?? null;
    if (write.expectedRevision !== undefined && (current ?? 0) !== write.expectedRevision)
      return super.writeSession(write);
    await new Promise((resolve) => setImmediate(resolve)); // the gap between check and write
    const revision = (current ?? 0) + 1;
    this.storage.set(write.id, { json: write.json, revision, summary: summarize(write.session, revision) });
    return revision;
  }
}

class OrdersByIdOnly extends MemorySessionStore {
  constructor(private readonly storage: MemoryStorage) {
    super({ storage });
  }
  protected override async listSummaries(query: ListQuery): Promise<ListSessionsResult> {
    const page = pageSummaries(
      Array.from(this.storage.values(), (r) => r.summary),
      { ...query, after: null, limit: 1000 },
    );
    page.sessions.sort((a, b) => (a.id < b.id ? -1 : 1));
    return { sessions: page.sessions.slice(0, query.limit), nextCursor: null, unreadable: [] };
  }
}

const tombstones = new WeakMap<MemoryStorage, Map<string, number>>();
class KeepsRevisionAfterDelete extends MemorySessionStore {
  constructor(private readonly storage: MemoryStorage) {
    super({ storage });
  }
  protected override async removeSession(id: string): Promise<boolean> {
    const rev = this.storage.get(id)?.revision;
    const dead = tombstones.get(this.storage) ?? new Map<string, number>();
    tombstones.set(this.storage, dead);
    if (rev !== undefined) dead.set(id, rev);
    return super.removeSession(id);
  }
  protected override async writeSession(write: SessionWrite): Promise<number> {
    const dead = tombstones.get(this.storage)?.get(write.id);
    if (dead !== undefined && !this.storage.has(write.id)) {
      this.storage.set(write.id, { json: write.json, revision: dead + 1, summary: summarize(write.session, dead + 1) });
      return dead + 1;
    }
    return super.writeSession(write);
  }
}

class SharesObjects extends MemorySessionStore {
  #cache = new Map<string, StoredSession>();
  protected override async readSession(id: string): Promise<StoredSession | null> {
    const stored = await super.readSession(id);
    if (stored === null) return null;
    const cached = this.#cache.get(id);
    if (cached && cached.revision === stored.revision) return cached;
    this.#cache.set(id, stored);
    return stored;
  }
}

class CaseInsensitiveKeys extends MemorySessionStore {
  constructor(private readonly storage: MemoryStorage) {
    super({ storage });
  }
  protected override async writeSession(write: SessionWrite): Promise<number> {
    return super.writeSession({ ...write, id: write.id.toLowerCase() });
  }
  protected override readSession(id: string) {
    return super.readSession(id.toLowerCase());
  }
  protected override hasSession(id: string) {
    return super.hasSession(id.toLowerCase());
  }
  protected override removeSession(id: string) {
    return super.removeSession(id.toLowerCase());
  }
  protected override async listIds(): Promise<string[]> {
    return [...this.storage.values()].map((r) => JSON.parse(r.json).id as string);
  }
}

class PrependsAppends extends MemorySessionStore {
  protected override async appendToSession(
    id: string,
    messages: SessionData['messages'],
    expected: number | undefined,
  ) {
    const current = await this.readSession(id);
    if (current === null) return super.appendToSession(id, messages, expected);
    const session = { ...current.session, messages: [...messages, ...current.session.messages] };
    return this.writeSession(this.prepareWrite(session, expected ?? current.revision));
  }
}

/** Name → factory, and the conformance tests that must fail for it. */
export const BROKEN: Record<string, { make: Factory; mustFail: string[] }> = {
  'drops-a-field': {
    make: (s) => new DropsReasoning({ storage: s }),
    mustFail: ['a3s-code fixture rich.json comes back deep-equal'],
  },
  'ignores-expected-revision': {
    make: (s) => new IgnoresExpectedRevision({ storage: s }),
    mustFail: ['a stale expectedRevision throws SessionConflictError with the current revision and writes nothing'],
  },
  'lists-sanitized-ids': {
    make: (s) => new ListsSanitizedIds({ storage: s }),
    mustFail: ['hostile ids each round-trip under their own key and list shows them exactly'],
  },
  'persists-api-key': {
    make: (s) => new PersistsApiKey(s),
    mustFail: ['api_key is absent from the stored bytes, after save and after append'],
  },
  'strips-nul': {
    make: (s) => new StripsNul({ storage: s }),
    mustFail: ['unicode of every kind survives: emoji, CJK, right-to-left, U+2028/2029, NUL, combining marks'],
  },
  'non-atomic-revisions': {
    make: (s) => new NonAtomicRevisions(s),
    mustFail: ['20 concurrent saves with the same expectedRevision: exactly one wins'],
  },
  'orders-by-id-only': {
    make: (s) => new OrdersByIdOnly(s),
    mustFail: ['orders by updated_at descending, then id ascending in UTF-8 byte order'],
  },
  'keeps-revision-after-delete': {
    make: (s) => new KeepsRevisionAfterDelete(s),
    mustFail: ['a delete ends the history: a re-created session starts again at 1'],
  },
  'shares-objects': {
    make: (s) => new SharesObjects({ storage: s }),
    mustFail: ['store and caller never share objects'],
  },
  'case-insensitive-keys': {
    make: (s) => new CaseInsensitiveKeys(s),
    mustFail: ['hostile ids each round-trip under their own key and list shows them exactly'],
  },
  'prepends-appends': {
    make: (s) => new PrependsAppends({ storage: s }),
    mustFail: ['appends in order and bumps the revision'],
  },
  'ignores-namespace': {
    make: () => new MemorySessionStore({ storage: globalStorage }),
    mustFail: ['namespaces are isolated, and the same namespace shares data'],
  },
  // The control: the reference store itself must pass everything.
  reference: { make: (s) => new MemorySessionStore({ storage: s }), mustFail: [] },
};

const globalStorage = createMemoryStorage();
