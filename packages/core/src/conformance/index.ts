/**
 * The shared conformance suite: every adapter of ours runs it in full, and third parties run it against theirs.
 *
 * ```ts
 * import { describeSessionStoreConformance } from '@agent-sessions/core/conformance';
 * describeSessionStoreConformance('my-store', { create: async (ns) => new MyStore({ prefix: ns }) });
 * ```
 * It needs vitest (and fast-check) installed beside it; tests are imported explicitly, no globals.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe } from 'vitest';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../abstract-store.js';
import type { SessionStore } from '../contract.js';
import { type EncryptionOptions, resolveEncryption } from '../encryption.js';
import type { ConformanceCapabilities, ConformanceOptions, SuiteContext } from './context.js';
import { describeEncryption } from './encryption.js';
import { describeHistory } from './history.js';
import { describeIdempotency } from './idempotency.js';
import { describeIds } from './ids.js';
import { describeLifecycle } from './lifecycle.js';
import { describeListing } from './listing.js';
import { describeMessages } from './messages.js';
import { describeRevisions } from './revisions.js';
import { describeRoundTrip } from './round-trip.js';
import { describeSecrets } from './secrets.js';
import { describeTailWrites } from './tail-writes.js';
import { describeUnreadable } from './unreadable.js';

export { applicationShaped, arbitrarySession } from './arbitraries.js';
export type { ConformanceCapabilities, ConformanceOptions } from './context.js';
export { fixtureDocuments, makeCostRecord, makeMessage, makeSession } from './data.js';

/** Encryption options with a fresh random key, for running the suite encrypted (`encryption: testEncryption()`). */
export function testEncryption(): EncryptionOptions {
  return { keys: [{ id: 'conformance', key: randomBytes(32) }] };
}

let namespaceCounter = 0;

/** Registers the conformance suite (vitest `describe` blocks) for a store; call it once in a test file. */
export function describeSessionStoreConformance(name: string, options: ConformanceOptions): void {
  const caps: ConformanceCapabilities = {
    atomicRevisions: options.capabilities?.atomicRevisions ?? true,
    maxDocumentBytes: options.capabilities?.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    concurrentWriters: options.capabilities?.concurrentWriters ?? true,
  };
  const opened: { store: SessionStore; namespace: string; owner: boolean }[] = [];
  const common = options.encryption === undefined ? undefined : { encryption: options.encryption };
  const cipher = resolveEncryption(options.encryption, () => name);

  const ctx: SuiteContext = {
    name,
    options,
    caps,
    async fresh() {
      const namespace = `conf_${process.pid}_${Date.now().toString(36)}_${(namespaceCounter++).toString(36)}`;
      const store = await options.create(namespace, common);
      opened.push({ store, namespace, owner: true });
      return { store, namespace };
    },
    async reopen(namespace, replaced) {
      const store = await options.create(namespace, replaced ?? common);
      opened.push({ store, namespace, owner: false });
      return store;
    },
    plainSegment(text, id) {
      return cipher === null ? text : cipher.open(text, id, 'segment', 'raw segment');
    },
    runs(n) {
      return Math.max(1, Math.round(n * (options.propertyRunsScale ?? 1)));
    },
  };

  describe(`SessionStore conformance: ${name}`, () => {
    afterEach(async () => {
      const toClose = opened.splice(0);
      for (const { store } of toClose) await store.close().catch(() => {});
      for (const { store, namespace, owner } of toClose)
        if (owner && options.destroy) await options.destroy(store, namespace);
    });
    describeRoundTrip(ctx);
    describeSecrets(ctx);
    describeIds(ctx);
    describeRevisions(ctx);
    describeMessages(ctx);
    describeTailWrites(ctx);
    describeHistory(ctx);
    describeIdempotency(ctx);
    describeListing(ctx);
    describeUnreadable(ctx);
    describeLifecycle(ctx);
    describeEncryption(ctx);
  });
}
