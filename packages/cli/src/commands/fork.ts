/** `fork <source> <new> [--at N]`: a new session with the source's head and its first N messages (default all). */
import { UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { safeText } from '../transcript.js';
import { countOption } from './counts.js';

export async function fork(ctx: CommandContext): Promise<number> {
  const [source, target, ...extra] = ctx.args.positionals;
  if (source === undefined || target === undefined)
    throw new UsageError('fork needs the source session id and the new id (agent-sessions ls lists the ids)');
  if (extra.length > 0) throw new UsageError('fork takes two session ids');
  const at = countOption(ctx.args.values, 'at');
  const store = await ctx.openStore();
  const { revision } = await store.forkSession(source, target, at === undefined ? {} : { atMessage: at });
  const { total } = await store.loadMessages(target, { last: 0 });
  ctx.print(`forked ${safeText(source)} into ${safeText(target)}: ${total} messages (revision ${revision})`);
  return 0;
}
