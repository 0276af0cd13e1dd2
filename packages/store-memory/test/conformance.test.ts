import { describeSessionStoreConformance, testEncryption } from '@agent-sessions/core/conformance';
import { createMemoryStorage, MemorySessionStore, type MemoryStorage } from '../src/index.js';

const storages = new Map<string, MemoryStorage>();
const storageFor = (namespace: string) =>
  storages.get(namespace) ?? storages.set(namespace, createMemoryStorage()).get(namespace)!;
// Small enough that the suite's too-large test runs (the 256 MiB default would skip it), above the 5 MB round trip.
const maxDocumentBytes = 8 * 1024 * 1024;

// Twice: in clear, and with encryption at rest (every stored document sealed).
for (const encryption of [undefined, testEncryption()])
  describeSessionStoreConformance(encryption ? 'memory encrypted' : 'memory', {
    encryption,
    create: async (namespace, common) =>
      new MemorySessionStore({ ...common, storage: storageFor(namespace), maxDocumentBytes }),
    destroy: async (_store, namespace) => void storages.delete(namespace),
    rawRead: async (namespace, id) => storageFor(namespace).get(id)?.json ?? null,
    damage: async (namespace, id) => {
      const record = storageFor(namespace).get(id);
      if (record) record.json = record.json.slice(0, 20);
    },
    capabilities: { maxDocumentBytes },
  });
