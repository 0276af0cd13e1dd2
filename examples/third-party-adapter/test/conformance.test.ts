import { inflateRawSync } from 'node:zlib';
import { describeSessionStoreConformance, testEncryption } from '@agent-sessions/core/conformance';
import { createZmapStorage, ZmapSessionStore, type ZmapStorage } from '../src/index.js';

const storages = new Map<string, ZmapStorage>();
const storageFor = (ns: string) => storages.get(ns) ?? storages.set(ns, createZmapStorage()).get(ns)!;
const maxDocumentBytes = 8 * 1024 * 1024; // small enough for the too-large test, above the 5 MB round trip

// In clear, then encrypted at rest (`common` carries the suite's encryption to the store).
for (const encryption of [undefined, testEncryption()])
  describeSessionStoreConformance(encryption ? 'zmap encrypted' : 'zmap', {
    encryption,
    create: async (ns, common) => new ZmapSessionStore({ ...common, storage: storageFor(ns), maxDocumentBytes }),
    destroy: async (_store, ns) => void storages.delete(ns),
    rawRead: async (ns, id) => {
      const record = storageFor(ns).get(id);
      return record ? inflateRawSync(record.data).toString('utf8') : null; // what the stored bytes hold
    },
    damage: async (ns, id) => {
      const record = storageFor(ns).get(id);
      if (record) record.data = record.data.subarray(0, 8);
    },
    capabilities: { maxDocumentBytes },
  });
