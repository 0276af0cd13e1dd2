/**
 * The documents this store last wrote by `appendMessages`, with the fingerprint of the file it wrote. An agent loop
 * appends to one session turn after turn: while the file is still the version we wrote (same fingerprint) and no
 * copy that counts before it has appeared, the next append starts from this copy instead of reading and decoding
 * the whole file again, which made an append cost more than a whole save. The copies are the store's own (callers'
 * objects are cloned in), and only a few are kept.
 */
import type { Message, SessionData } from '@agent-sessions/core/adapter';
import { statFingerprintSync } from './documents.js';
import { type Fingerprint, sameFingerprint } from './fs-utils.js';
import { type Candidate, candidatesFor } from './locate.js';
import type { EnvelopeMembers } from './snapshot.js';

export interface RecentDocument {
  at: Candidate;
  fp: Fingerprint;
  session: SessionData;
  envelope: EnvelopeMembers | null;
}

// Sessions kept (an agent process usually works on one or two at a time), and the largest one worth keeping.
const MAX_DOCUMENTS = 4;
const MAX_MESSAGES = 20_000;

export class RecentDocuments {
  readonly #dir: string;
  readonly #docs = new Map<string, RecentDocument>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The kept copy of session `id` when its file is still exactly what this store wrote; call under its lock. */
  current(id: string): RecentDocument | null {
    const doc = this.#docs.get(id);
    if (doc === undefined) return null;
    for (const candidate of candidatesFor(this.#dir, id)) {
      const fp = statFingerprintSync(candidate.path);
      if (candidate.path === doc.at.path) {
        if (fp !== null && sameFingerprint(fp, doc.fp)) return doc;
        break;
      }
      // A copy that counts before ours has appeared (another program wrote the other layout): read the folder.
      if (fp !== null) break;
    }
    this.#docs.delete(id);
    return null;
  }

  /** Keeps `base` (the store's own copy) plus the appended `added` messages (cloned: they are the caller's). */
  keep(id: string, base: SessionData, added: Message[], doc: Omit<RecentDocument, 'session'>): void {
    this.#docs.delete(id);
    if (base.messages.length + added.length > MAX_MESSAGES) return;
    if (this.#docs.size >= MAX_DOCUMENTS) this.#docs.delete(this.#docs.keys().next().value as string);
    const session = { ...base, messages: [...base.messages, ...structuredClone(added)] } as SessionData;
    this.#docs.set(id, { ...doc, session });
  }

  forget(id: string): void {
    this.#docs.delete(id);
  }
}
