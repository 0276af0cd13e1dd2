/** Options of the file store: types with their defaults, validation, and `file:` URL → options. */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CommonStoreOptions,
  DEFAULT_MAX_DOCUMENT_BYTES,
  InvalidArgumentError,
  positiveIntegerOption,
  readUrlParams,
  type StoreUrl,
} from '@agent-sessions/core/adapter';

const BACKEND = 'file';

/** Options of FileSessionStore; only `dir` is required. */
export interface FileStoreOptions extends CommonStoreOptions {
  /** The sessions folder. A relative path resolves against `process.cwd()` when the store is created. Required. */
  dir: string;
  /**
   * Create the folder (and its parents) on the first write. `false`: the folder must already exist, and a write or
   * health check on a missing folder throws StoreAccessError. Default `true`.
   */
  createDirectory?: boolean;
  /**
   * `false` opens an existing store only, for readers that must not leave anything behind (the CLI's `ls`, `show`,
   * `export`, `doctor --read-only`, `serve`): the store (`new FileSessionStore`, `openSessionStore('file:DIR?create=false')`)
   * throws StoreNotFoundError naming the folder when it does not exist, and creates nothing. Implies
   * `createDirectory: false`. Default `true`.
   */
  create?: boolean;
  /**
   * fsync each document before it replaces the old one, and the folder after the rename, so a saved session
   * survives a power loss. `false` trades that for speed (tests, scratch folders). Default `true`.
   */
  fsync?: boolean;
  /**
   * How long a write waits for another writer of the same session (in this or another process) before it fails
   * with StoreUnavailableError, in ms. Default 10000.
   */
  lockTimeoutMs?: number;
  /**
   * A session lock older than this is broken even when its holder may still be alive (a hung process, or a
   * process on another machine sharing the folder), in ms. Locks of dead processes on this machine are broken at
   * once. Keep it far above the time one save takes. Default 30000.
   */
  staleLockMs?: number;
  /**
   * Our own leftover temp files (`*.as-tmp`) older than this are removed even when their process still runs, in
   * ms; those of dead processes on this machine are removed at once. a3s-code's `*.tmp` files are never touched.
   * Default 300000 (5 minutes).
   */
  staleTempMs?: number;
  /** Time limit for each operation in ms; `null` for none. Default `null` (a local disk answers or fails by itself). */
  operationTimeoutMs?: number | null;
  /** The largest encoded document accepted, in bytes (SessionTooLargeError above it). Default 256 MiB. */
  maxDocumentBytes?: number;
  /**
   * Where a new session is written; both layouts are always read, and an existing session is rewritten where it is.
   * `"v1"`: `v1/sessions/id_<base64url>.json` as a snapshot envelope, today's a3s-code layout (it reads any id there).
   * `"legacy"`: `<id>.json` (`~<base64url>.json` for other ids) in the folder itself, as older versions wrote.
   * Default `"v1"`.
   */
  layout?: FileStoreLayout;
}

/** Where documents go: `v1` (today's a3s-code, `v1/sessions/id_<base64url>.json`) or `legacy` (`<id>.json`). */
export type FileStoreLayout = 'v1' | 'legacy';
/** Every FileStoreLayout. */
export const FILE_STORE_LAYOUTS: readonly FileStoreLayout[] = ['v1', 'legacy'];

/** The options a store runs with: every default filled in, frozen. */
export interface ResolvedFileStoreOptions {
  /** Resolved `dir` (see FileStoreOptions). */
  readonly dir: string;
  /** Resolved `createDirectory` (see FileStoreOptions). */
  readonly createDirectory: boolean;
  readonly create: boolean;
  /** Resolved `fsync` (see FileStoreOptions). */
  readonly fsync: boolean;
  /** Resolved `lockTimeoutMs` (see FileStoreOptions). */
  readonly lockTimeoutMs: number;
  /** Resolved `staleLockMs` (see FileStoreOptions). */
  readonly staleLockMs: number;
  /** Resolved `staleTempMs` (see FileStoreOptions). */
  readonly staleTempMs: number;
  /** Resolved `operationTimeoutMs` (see FileStoreOptions). */
  readonly operationTimeoutMs: number | null;
  /** Resolved `maxDocumentBytes` (see FileStoreOptions). */
  readonly maxDocumentBytes: number;
  /** Resolved `layout` (see FileStoreOptions). */
  readonly layout: FileStoreLayout;
}

/** Default `lockTimeoutMs`: how long a write waits for another writer of the same session. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** Default `staleLockMs`: the age after which a lock of a process that cannot be checked is broken. */
export const DEFAULT_STALE_LOCK_MS = 30_000;
/** Default `staleTempMs`: the age after which a temp file of a process that cannot be checked is removed. */
export const DEFAULT_STALE_TEMP_MS = 5 * 60_000;

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new InvalidArgumentError(name, `expected true or false, got ${String(value)}`, { backend: BACKEND });
  return value;
}

/** Validates options, fills defaults and resolves the folder to an absolute path. */
export function resolveFileStoreOptions(options: FileStoreOptions): ResolvedFileStoreOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('file store options', 'expected an object such as { dir: "./sessions" }', {
      backend: BACKEND,
    });
  const { dir } = options;
  if (typeof dir !== 'string' || dir.trim() === '' || dir.includes('\0'))
    throw new InvalidArgumentError('dir', 'expected the path of the sessions folder, e.g. "./sessions"', {
      backend: BACKEND,
    });
  const timeout = options.operationTimeoutMs;
  const create = booleanOption('create', options.create, true);
  return Object.freeze({
    dir: isAbsolute(dir) ? resolve(dir) : resolve(process.cwd(), dir),
    createDirectory: booleanOption('createDirectory', options.createDirectory, create),
    create,
    fsync: booleanOption('fsync', options.fsync, true),
    lockTimeoutMs: positiveIntegerOption('lockTimeoutMs', options.lockTimeoutMs, DEFAULT_LOCK_TIMEOUT_MS, BACKEND),
    staleLockMs: positiveIntegerOption('staleLockMs', options.staleLockMs, DEFAULT_STALE_LOCK_MS, BACKEND),
    staleTempMs: positiveIntegerOption('staleTempMs', options.staleTempMs, DEFAULT_STALE_TEMP_MS, BACKEND),
    operationTimeoutMs:
      timeout === null || timeout === undefined
        ? null
        : positiveIntegerOption('operationTimeoutMs', timeout, 1, BACKEND),
    maxDocumentBytes: positiveIntegerOption(
      'maxDocumentBytes',
      options.maxDocumentBytes,
      DEFAULT_MAX_DOCUMENT_BYTES,
      BACKEND,
    ),
    layout: layoutOption(options.layout),
  });
}

function layoutOption(value: unknown): FileStoreLayout {
  if (value === undefined) return 'v1';
  if (!FILE_STORE_LAYOUTS.includes(value as FileStoreLayout))
    throw new InvalidArgumentError('layout', `expected "v1" or "legacy", got ${JSON.stringify(value)}`, {
      backend: BACKEND,
    });
  return value as FileStoreLayout;
}

/** Query parameters a `file:` URL accepts, each an option of the same name. */
const URL_PARAMS = {
  create: { type: 'boolean' },
  createDirectory: { type: 'boolean' },
  fsync: { type: 'boolean' },
  lockTimeoutMs: { type: 'integer' },
  staleLockMs: { type: 'integer' },
  staleTempMs: { type: 'integer' },
  operationTimeoutMs: { type: 'timeout' },
  maxDocumentBytes: { type: 'integer' },
  layout: { type: 'enum', values: ['v1', 'legacy'] },
} as const;

/**
 * `file:./sessions` (relative to the working directory), `file:/abs/path`, `file:///abs/path` (a standard file URL,
 * percent-decoded). Unknown query parameters are refused so a typo does not pass silently.
 */
export function optionsFromUrl(url: StoreUrl): FileStoreOptions {
  const location = url.location;
  let dir: string;
  if (location.startsWith('//')) {
    try {
      dir = fileURLToPath(`file:${location}`);
    } catch (cause) {
      throw new InvalidArgumentError(
        'store URL',
        `"${url.href}" is not a usable file URL (${(cause as Error).message}); use file:///absolute/path or file:./relative`,
        { backend: BACKEND, cause },
      );
    }
  } else {
    dir = location;
  }
  if (dir === '')
    throw new InvalidArgumentError('store URL', `"${url.href}" names no folder; use e.g. file:./sessions`, {
      backend: BACKEND,
    });
  const { layout, ...values } = readUrlParams(url, URL_PARAMS, BACKEND).values;
  return { dir, ...values, ...(layout === undefined ? {} : { layout: layout as FileStoreLayout }) };
}
