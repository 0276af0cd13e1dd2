// Runs the conformance suite against the adapter named by BROKEN_ADAPTER (driven by conformance-catches-broken.test.ts).

import { createMemoryStorage, type MemoryStorage } from '../../../store-memory/src/index.js';
import { describeSessionStoreConformance } from '../../src/conformance/index.js';
import { BROKEN } from './adapters.js';

const name = process.env.BROKEN_ADAPTER ?? '';
const adapter = BROKEN[name];
if (!adapter) throw new Error(`unknown BROKEN_ADAPTER ${name}`);
const storages = new Map<string, MemoryStorage>();
const storageFor = (ns: string) => storages.get(ns) ?? storages.set(ns, createMemoryStorage()).get(ns)!;

describeSessionStoreConformance(name, {
  create: async (ns) => adapter.make(storageFor(ns)),
  rawRead: async (ns, id) => storageFor(ns).get(id)?.json ?? null,
  propertyRunsScale: 0.25,
});
