import { describeSessionStoreConformance } from '@agent-sessions/core/conformance';
import { createMemoryStorage, MemorySessionStore, type MemoryStorage } from '../src/index.js';

const storages = new Map<string, MemoryStorage>();
const storageFor = (namespace: string) =>
  storages.get(namespace) ?? storages.set(namespace, createMemoryStorage()).get(namespace)!;

describeSessionStoreConformance('memory', {
  create: async (namespace) => new MemorySessionStore({ storage: storageFor(namespace) }),
  destroy: async (_store, namespace) => void storages.delete(namespace),
  rawRead: async (namespace, id) => storageFor(namespace).get(id)?.json ?? null,
});
