/**
 * What every command gets: its streams, the environment, the store URL and a way to open stores that are closed
 * again however the command ends.
 */
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_SESSION_STORE_URL,
  openSessionStore,
  SESSION_STORE_URL_ENV,
  type SessionStore,
  StoreNotFoundError,
  StoreNotInstalledError,
} from '@agent-sessions/core/adapter';
import { type ParsedArgs, type ProgressMode, resolveProgressMode, stringOption } from './args.js';
import { Progress, type ProgressOptions } from './progress.js';
import { withoutCreate } from './read-only-url.js';

export interface OpenOptions {
  /**
   * `false` for commands that only read (ls, show, export, doctor, serve, rm, the source of migrate): a store that
   * does not exist is an error naming it, and nothing (folder, file, table) is created.
   */
  create?: boolean;
}

export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

// The folder of this package (dist/ or src/ sits one level below it).
const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Names the one folder adapters are resolved from, instead of the working directory and then this CLI's folder. */
export const RESOLVE_FROM_ENV = 'AGENT_SESSIONS_RESOLVE_FROM';
/** How long `close()` of a store may take before the command exits anyway. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Hides the password of a URL such as `redis://:secret@host` before it is printed. */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/@?#]*)@/, (_all, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return colon === -1 ? `${scheme}${auth}@` : `${scheme}${auth.slice(0, colon)}:***@`;
  });
}

export class CommandContext {
  readonly io: CliIO;
  readonly args: ParsedArgs;
  readonly progressMode: ProgressMode | 'auto';
  readonly #open: SessionStore[] = [];
  /** The URLs of the stores this command opened or tried to open, for error messages. */
  readonly urls: string[] = [];

  constructor(io: CliIO, args: ParsedArgs) {
    this.io = io;
    this.args = args;
    this.progressMode = resolveProgressMode(args.values, io.env);
  }

  /** `--store`, else SESSION_STORE_URL, else the file store in `./.sessions`. */
  storeUrl(): string {
    return stringOption(this.args.values, 'store') || this.io.env[SESSION_STORE_URL_ENV] || DEFAULT_SESSION_STORE_URL;
  }

  /**
   * Opens a store through core's `openSessionStore`: the adapter is resolved from the working directory (the
   * application), then from beside this CLI (adapters installed next to a global or npx install). When
   * AGENT_SESSIONS_RESOLVE_FROM is set, from that folder only.
   */
  async openStore(url: string = this.storeUrl(), options: OpenOptions = {}): Promise<SessionStore> {
    this.urls.push(url);
    try {
      return await this.#openUrl(options.create === false ? withoutCreate(url) : url);
    } catch (error) {
      if (error instanceof StoreNotFoundError && !this.#storeGiven())
        error.message += ` (no --store was given and ${SESSION_STORE_URL_ENV} is unset, so the store is ${DEFAULT_SESSION_STORE_URL})`;
      throw error;
    }
  }

  /** Whether the user named a store (`--store` or the environment), rather than getting the default. */
  #storeGiven(): boolean {
    return Boolean(stringOption(this.args.values, 'store') || this.io.env[SESSION_STORE_URL_ENV]);
  }

  async #openUrl(url: string): Promise<SessionStore> {
    let store: SessionStore;
    const resolveFrom = this.io.env[RESOLVE_FROM_ENV];
    if (resolveFrom) {
      store = await openSessionStore(url, { resolveFrom });
      this.#open.push(store);
      return store;
    }
    try {
      store = await openSessionStore(url, { resolveFrom: this.io.cwd });
    } catch (error) {
      if (!(error instanceof StoreNotInstalledError)) throw error;
      try {
        store = await openSessionStore(url, { resolveFrom: CLI_DIR });
      } catch (besideCli) {
        // Only "not installed here either" keeps the first answer; an adapter found beside the CLI that then fails
        // to open (a missing folder, a bad option) must say why, not claim that it is not installed.
        throw besideCli instanceof StoreNotInstalledError ? error : besideCli;
      }
    }
    this.#open.push(store);
    return store;
  }

  /** A progress display on stderr in the mode chosen by `--progress` / AGENT_SESSIONS_PROGRESS. */
  progress(label: string, total: number | null, more: Pick<ProgressOptions, 'unit' | 'inputBytes'> = {}): Progress {
    return new Progress({ label, total, mode: this.progressMode, stream: this.io.stderr, ...more });
  }

  /** Writes a line of results to stdout. */
  print(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes a line of diagnostics to stderr. */
  warn(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Closes every store this command opened, each within a time limit, so a stuck driver cannot hang the exit. */
  async closeAll(): Promise<void> {
    const stores = this.#open.splice(0);
    await Promise.all(
      stores.map((store) => {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
          timer.unref();
        });
        return Promise.race([store.close().catch(() => {}), limit]).finally(() => clearTimeout(timer));
      }),
    );
  }
}
