/** What each part of the conformance suite receives. */
import type { CommonStoreOptions } from '../abstract-store.js';
import type { SessionStore, StoreCapabilities } from '../contract.js';
import type { EncryptionOptions } from '../encryption.js';

/** What `describeSessionStoreConformance` needs: how to open a store over a namespace, and optional hooks. */
export interface ConformanceOptions {
  /**
   * A store over `namespace`: a new namespace is empty, the same namespace shares data. `common`: options every
   * store takes (the suite passes `encryption` there; spread it into the store's options).
   */
  create(namespace: string, common?: CommonStoreOptions): Promise<SessionStore>;
  /** Removes what the namespace holds (called after the tests that used it; the store may be closed). */
  destroy?(store: SessionStore, namespace: string): Promise<void>;
  /** The stored bytes of one session, so the suite can look for secrets in storage. */
  rawRead?(namespace: string, id: string): Promise<string | Uint8Array | null>;
  /**
   * For a store that keeps messages in segments (one per write that added messages): the stored segments of one
   * session, in order, each as stored (message texts joined by commas). The suite then checks that a save writes
   * only the new messages (see tail-writes.ts).
   */
  rawSegments?(namespace: string, id: string): Promise<string[]>;
  /** Damages the stored record of `id` so that `load` throws SessionCorruptError (e.g. truncate its JSON). */
  damage?(namespace: string, id: string): Promise<void>;
  /**
   * Saves `doc` into `namespace` from another process (a store there has never seen the session), with the suite's
   * `common` options (its encryption) as `create` gets them.
   */
  saveFromAnotherProcess?(namespace: string, doc: unknown, common?: CommonStoreOptions): Promise<void>;
  /** What the backend cannot do; the matching tests are skipped and reported by name. */
  capabilities?: Partial<ConformanceCapabilities>;
  /**
   * Runs the whole suite on stores opened with this encryption (passed to `create`), plus the encryption tests:
   * sealed raw storage (through `rawRead`), key rotation, a missing key. Raw segments are opened with it.
   */
  encryption?: EncryptionOptions;
  /** Scales the property-based runs (default 1; the suite's own tests lower it). */
  propertyRunsScale?: number;
}

export interface ConformanceCapabilities extends StoreCapabilities {
  /** Several processes or connections may write one session at once (false for a process-local store). */
  concurrentWriters: boolean;
}

export interface SuiteContext {
  name: string;
  options: ConformanceOptions;
  caps: ConformanceCapabilities;
  /** A store over a fresh namespace; closed and destroyed after the current test. */
  fresh(): Promise<{ store: SessionStore; namespace: string }>;
  /** Another store over the same namespace (closed after the test); `common` replaces the suite's encryption. */
  reopen(namespace: string, common?: CommonStoreOptions): Promise<SessionStore>;
  /** A raw segment as the suite compares it: opened when the suite runs encrypted. */
  plainSegment(text: string, id: string): string;
  runs(n: number): number;
}
