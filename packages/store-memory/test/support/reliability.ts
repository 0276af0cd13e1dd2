/** The memory store for the reliability suites: one shared storage map per namespace, read and damaged directly. */
import { createMemoryStorage, createMemoryStore, type MemoryStorage } from '../../src/index.js';

const storages = new Map<string, MemoryStorage>();

export function storageOf(namespace: string): MemoryStorage {
  let storage = storages.get(namespace);
  if (storage === undefined) {
    storage = createMemoryStorage();
    storages.set(namespace, storage);
  }
  return storage;
}

export const memoryHooks = {
  create: async (namespace: string) => createMemoryStore({ storage: storageOf(namespace) }),
  cleanup: async (namespace: string) => void storages.delete(namespace),
  // A map per namespace: nothing else exists for an id to land in but the other namespaces' maps.
  outside: async (namespace: string) =>
    [...storages].filter(([ns]) => ns !== namespace).flatMap(([ns, s]) => [...s.keys()].map((id) => `${ns}/${id}`)),
  tamper: async (namespace: string, id: string, mutate: (raw: string) => string) => {
    const record = storageOf(namespace).get(id);
    if (record === undefined) throw new Error(`no record for ${id}`);
    record.json = mutate(record.json);
    return `memory:${JSON.stringify(id)}`;
  },
  rawDump: async (namespace: string) => [...storageOf(namespace).values()].map((r) => Buffer.from(JSON.stringify(r))),
};
