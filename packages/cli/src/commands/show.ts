/** `show <id>`: the conversation as a readable transcript, or the stored document with `--json`. */
import { encodeSession } from '@agent-sessions/core';
import { assertValidSessionId } from '@agent-sessions/core/adapter';
import { UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { resolveSessionId } from '../resolve-id.js';
import { renderTranscript } from '../transcript.js';
import { countOption } from './counts.js';
import { showLast } from './show-last.js';

export async function show(ctx: CommandContext): Promise<number> {
  const [id, ...extra] = ctx.args.positionals;
  if (id === undefined) throw new UsageError('show needs a session id (agent-sessions ls lists them)');
  if (extra.length > 0) throw new UsageError('show takes one session id');
  // An id that cannot exist is a usage error (exit 2), before any store is opened.
  assertValidSessionId(id);
  const store = await ctx.openStore(undefined, { create: false });
  const resolved = await resolveSessionId(store, id);
  const last = countOption(ctx.args.values, 'last');
  if (last !== undefined && resolved !== null) return showLast(ctx, store, resolved, last);
  const session = resolved === null ? null : await store.load(resolved);
  if (session === null) {
    ctx.warn(`agent-sessions: session "${id}" not found in this store (agent-sessions ls lists the ids).`);
    return 1;
  }
  ctx.print(
    ctx.args.values.json
      ? encodeSession(session, { pretty: true })
      : renderTranscript(session, { full: ctx.args.values.full === true }),
  );
  return 0;
}
