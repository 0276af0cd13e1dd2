import { describeSessionStoreConformance } from '@agent-sessions/core/conformance';
import { createMemoryStorage, MemorySessionStore, type MemoryStorage } from '../src/index.js';

const storages = new Map<string, MemoryStorage>();
const storageFor = (namespace: string) =>
  storages.get(namespace) ?? storages.set(namespace, createMemoryStorage()).get(namespace)!;
// Small enough that the suite's too-large test runs (the 256 MiB default would skip it), above the 5 MB round trip.
const maxDocumentBytes = 8 * 1024 * 1024;

describeSessionStoreConformance('memory', {
  create: async (namespace) => new MemorySessionStore({ storage: storageFor(namespace), maxDocumentBytes }),
  destroy: async (_store, namespace) => void storages.delete(namespace),
  rawRead: async (namespace, id) => storageFor(namespace).get(id)?.json ?? null,
  damage: async (namespace, id) => {
    const record = storageFor(namespace).get(id);
    if (record) record.json = record.json.slice(0, 20);
  },
  capabilities: { maxDocumentBytes },
});
