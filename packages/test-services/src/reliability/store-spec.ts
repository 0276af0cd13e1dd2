/**
 * How a child process opens the same store as the test: the path of the adapter's entry module, the name of its
 * factory and JSON options. Only public entries are used, so the children see what an application sees.
 */
import { pathToFileURL } from 'node:url';
import type { SessionStore } from '@agent-sessions/core';

export interface StoreSpec {
  /** Absolute path of the adapter's entry module (its `src/index.ts`). */
  module: string;
  /** Name of the exported factory, e.g. `createSqliteStore`. */
  factory: string;
  /** Its options: JSON only (no clients), since they cross a process boundary. */
  options: Record<string, unknown>;
}

/** The spec with `extra` merged over its options. */
export function withOptions(spec: StoreSpec, extra: Record<string, unknown>): StoreSpec {
  return { ...spec, options: { ...spec.options, ...extra } };
}

export async function openStore(spec: StoreSpec): Promise<SessionStore> {
  const entry = (await import(pathToFileURL(spec.module).href)) as Record<string, unknown>;
  const factory = entry[spec.factory];
  if (typeof factory !== 'function') throw new Error(`${spec.module} exports no function ${spec.factory}`);
  return (factory as (options: unknown) => SessionStore)(spec.options);
}
