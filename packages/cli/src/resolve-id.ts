/**
 * A session id as typed on the command line: the exact id when the store holds it, else the one stored id it is a
 * prefix of (`show 3f2a9c1e` for `3f2a9c1e-…`). A prefix of several ids is a usage error (exit 2) listing them.
 */
import { assertValidSessionId, compareIds, type SessionStore } from '@agent-sessions/core/adapter';
import { UsageError } from './args.js';
import { safeText } from './transcript.js';

/** Matches listed in the error of an ambiguous prefix. */
const SHOWN_MATCHES = 10;

export class AmbiguousIdError extends UsageError {
  readonly matches: readonly string[];
  constructor(prefix: string, matches: readonly string[]) {
    const shown = matches.slice(0, SHOWN_MATCHES).map((id) => `"${safeText(id)}"`);
    const more = matches.length > SHOWN_MATCHES ? ` and ${matches.length - SHOWN_MATCHES} more` : '';
    super(
      `"${safeText(prefix)}" is the start of ${matches.length} session ids: ${shown.join(', ')}${more}; type more of the id`,
    );
    this.name = 'AmbiguousIdError';
    this.matches = matches;
  }
}

/** The stored id `given` names, or null when none does. Lists the store's ids only when `given` is not an id there. */
export async function resolveSessionId(store: SessionStore, given: string): Promise<string | null> {
  assertValidSessionId(given);
  if (await store.exists(given)) return given;
  const matches = (await store.list()).filter((id) => id.startsWith(given)).sort(compareIds);
  if (matches.length === 0) return null;
  if (matches.length > 1) throw new AmbiguousIdError(given, matches);
  return matches[0] as string;
}
