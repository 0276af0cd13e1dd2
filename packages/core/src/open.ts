/**
 * `openSessionStore(url)`: pick a backend per deployment by URL. The adapter package is loaded on demand and
 * resolved from the application (not from core's own folder), so it works in npm, pnpm (strict) and yarn layouts,
 * and an application that installed only one backend never loads another's driver.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommonStoreOptions } from './abstract-store.js';
import type { SessionStore } from './contract.js';
import type { EncryptionOptions } from './encryption.js';
import { InvalidArgumentError, StoreNotInstalledError } from './errors.js';
import { parseStoreUrl, type StoreUrl } from './store-url.js';

/** The conventional environment variable that holds the store URL. */
export const SESSION_STORE_URL_ENV = 'SESSION_STORE_URL';
/** Used when no URL is given and SESSION_STORE_URL is unset: the file store in `./.sessions`. */
export const DEFAULT_SESSION_STORE_URL = 'file:./.sessions';

/** The package that serves each URL scheme. */
export const BACKEND_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  memory: '@agent-sessions/store-memory',
  file: '@agent-sessions/store-file',
  sqlite: '@agent-sessions/store-sqlite',
  redis: '@agent-sessions/store-redis',
  rediss: '@agent-sessions/store-redis',
  postgres: '@agent-sessions/store-postgres',
  postgresql: '@agent-sessions/store-postgres',
  s3: '@agent-sessions/store-s3',
});

/** What an adapter package exports for `openSessionStore`. */
export interface SessionStoreModule {
  /**
   * Opens a store for a parsed URL of the adapter's scheme. `options`: what the caller of openSessionStore gave
   * beside the URL (keys are never put in URLs).
   */
  openFromUrl(url: StoreUrl, options?: CommonStoreOptions): SessionStore | Promise<SessionStore>;
}

/** Options of `openSessionStore`. */
export interface OpenSessionStoreOptions {
  /**
   * The folder whose node_modules the adapter is resolved from. Default: the current working directory, then the
   * folder of the program's entry script (so a program started from another folder still finds its own packages).
   */
  resolveFrom?: string;
  /** Extra or replaced scheme → package mappings, for third-party adapters. */
  packages?: Record<string, string>;
  /** Encryption at rest, passed to the adapter (see EncryptionOptions); never put keys in the URL. */
  encryption?: EncryptionOptions;
}

function resolveFromApplication(packageName: string, folders: readonly string[]): string | null {
  for (const folder of folders) {
    try {
      return pathToFileURL(createRequire(join(folder, 'package.json')).resolve(packageName)).href;
    } catch {
      // not installed there; try the next folder
    }
  }
  return null;
}

function applicationFolders(resolveFrom: string | undefined): string[] {
  if (resolveFrom !== undefined) return [resolveFrom];
  const entry = process.argv[1];
  // An entry inside node_modules is a tool's (a test runner, a CLI), not the application's own script.
  return entry && !/[\\/]node_modules[\\/]/.test(entry) ? [process.cwd(), dirname(entry)] : [process.cwd()];
}

async function loadAdapter(
  packageName: string,
  scheme: string,
  folders: readonly string[],
): Promise<SessionStoreModule> {
  // Not installed beside the application: fall back to what core itself can see (hoisted layouts, bundlers).
  const specifier = resolveFromApplication(packageName, folders);
  let mod: Partial<SessionStoreModule>;
  try {
    mod = (await import(specifier ?? packageName)) as Partial<SessionStoreModule>;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (
      specifier === null &&
      (code === 'ERR_MODULE_NOT_FOUND' ||
        code === 'MODULE_NOT_FOUND' ||
        /Cannot find (package|module)/.test(String(cause)))
    )
      throw new StoreNotInstalledError(packageName, scheme, { backend: scheme, cause });
    throw cause;
  }
  if (typeof mod.openFromUrl !== 'function')
    throw new InvalidArgumentError(
      'store URL',
      `${packageName} does not export openFromUrl(); is it an agent-sessions adapter?`,
    );
  return mod as SessionStoreModule;
}

/**
 * Opens the store a URL names: `memory:`, `file:./sessions`, `sqlite:./sessions.db`, `redis://…`, `rediss://…`,
 * `postgres://…`, `postgresql://…`, `s3://bucket/prefix`. Default: SESSION_STORE_URL, else `file:./.sessions`.
 */
export async function openSessionStore(url?: string, options: OpenSessionStoreOptions = {}): Promise<SessionStore> {
  const parsed = parseStoreUrl(url ?? process.env[SESSION_STORE_URL_ENV] ?? DEFAULT_SESSION_STORE_URL);
  const packages = { ...BACKEND_PACKAGES, ...options.packages };
  const packageName = packages[parsed.scheme];
  if (packageName === undefined)
    throw new InvalidArgumentError(
      'store URL',
      `unknown scheme "${parsed.scheme}:"; known: ${Object.keys(packages)
        .map((s) => `${s}:`)
        .join(', ')}`,
    );
  const adapter = await loadAdapter(packageName, parsed.scheme, applicationFolders(options.resolveFrom));
  return options.encryption === undefined
    ? adapter.openFromUrl(parsed)
    : adapter.openFromUrl(parsed, { encryption: options.encryption });
}
