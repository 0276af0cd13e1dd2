/**
 * `rewind <id> --keep N [--yes]`: keeps the first N messages of a session and removes the rest, after asking on a
 * terminal. The truncate is pinned to the revision the question described, so a session that changed meanwhile is
 * left alone (SessionConflictError) rather than cut from a state nobody confirmed.
 */
import { UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { safeText } from '../transcript.js';
import { confirmed } from './confirm.js';
import { countOption } from './counts.js';

export async function rewind(ctx: CommandContext): Promise<number> {
  const [id, ...extra] = ctx.args.positionals;
  if (id === undefined) throw new UsageError('rewind needs a session id (agent-sessions ls lists them)');
  if (extra.length > 0) throw new UsageError('rewind takes one session id');
  const keep = countOption(ctx.args.values, 'keep');
  if (keep === undefined) throw new UsageError('rewind needs --keep N: how many of the first messages to keep');
  const store = await ctx.openStore();
  const { total, revision } = await store.loadMessages(id, { last: 0 });
  if (keep > total)
    throw new UsageError(`session "${safeText(id)}" holds ${total} messages: --keep must be from 0 to ${total}`);
  if (keep === total) {
    ctx.print(`${safeText(id)} holds ${total} messages: nothing to remove`);
    return 0;
  }
  const question = `Remove the last ${total - keep} of the ${total} messages of "${safeText(id)}"?`;
  if (!(await confirmed(ctx, question))) {
    ctx.warn('agent-sessions: rewind cancelled; nothing changed.');
    return 1;
  }
  const result = await store.truncateMessages(id, keep, { expectedRevision: revision });
  ctx.print(`rewound ${safeText(id)}: removed ${result.removed} messages, kept ${keep} (revision ${result.revision})`);
  return 0;
}
