/** Turns any error into the one line a user sees and the exit code: 0 ok, 1 operational failure, 2 usage error. */
import { SessionStoreError } from '@agent-sessions/core';
import { UsageError } from './args.js';
import { DoctorError } from './commands/doctor.js';
import { FileError } from './file-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof DoctorError) return exitCodeFor(error.cause);
  // A malformed URL, query parameter, limit or id came from the command line.
  if (error instanceof SessionStoreError && (error.code === 'INVALID_ARGUMENT' || error.code === 'INVALID_SESSION_ID'))
    return EXIT_USAGE;
  return EXIT_FAILURE;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** The message without a stack trace, on one line, prefixed with the program name. */
export function formatError(error: unknown): string {
  if (error instanceof UsageError)
    return `agent-sessions: ${oneLine(error.message).replace(/([^.?!])$/, '$1.')} Run "agent-sessions --help" for usage.`;
  if (error instanceof SessionStoreError || error instanceof DoctorError || error instanceof FileError)
    return `agent-sessions: ${oneLine(error.message)}`;
  const err = error as NodeJS.ErrnoException | null;
  if (err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')) {
    // The adapter was found but its driver was not (store-redis without ioredis, store-sqlite without better-sqlite3).
    const name = /Cannot find (?:package|module) '([^']+)'/.exec(err.message)?.[1];
    if (name)
      return `agent-sessions: the package "${name}" that this store needs is not installed. Install it in your application: npm install ${name}`;
  }
  if (
    err &&
    (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') &&
    typeof (err as { path?: unknown }).path === 'string'
  )
    return `agent-sessions: ${oneLine(err.message)}`;
  const message = error instanceof Error ? error.message : String(error);
  return `agent-sessions: ${oneLine(message) || 'unexpected error'} (run with --debug for details)`;
}

/** Stack and cause chain, for `--debug`. */
export function formatDebug(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    parts.push(depth === 0 ? '' : 'Caused by:');
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.filter((p) => p !== '').join('\n');
}
