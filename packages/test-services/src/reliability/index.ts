/**
 * The reliability kit: suites every adapter runs against its own backend (crashes, lost updates, faults, hostile
 * input, secrets in storage, memory), and the pieces they are built from. Imports vitest: for tests only.
 */
export { type ChildExit, kitScript, resultOf, runTogether, spawnTsChild, type TsChild } from './children.js';
export { type CorruptRecordOptions, describeCorruptRecords } from './corrupt-records.js';
export { type CrashSafetyOptions, describeCrashSafety } from './crash-safety.js';
export { describeHostileDocuments, type HostileDocumentOptions } from './hostile-documents.js';
export { describeHostileIds, type HostileIdOptions, hostileIdBatch, idRuleAllows } from './hostile-ids.js';
export { describeLostUpdates, type LostUpdateOptions } from './lost-updates.js';
export { describeMemoryBound, type MemoryBoundOptions } from './memory-bound.js';
export { baseSession, textMessage, textsOf } from './model.js';
export { describeNetworkFaults, type NetworkFaultOptions } from './network-faults.js';
export * from './number-rule.js';
export { describeSecretScan, type SecretScanOptions } from './secrets-scan.js';
export { openStore, type StoreSpec, withOptions } from './store-spec.js';
