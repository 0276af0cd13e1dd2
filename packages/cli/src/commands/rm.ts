/** `rm <id>...`: deletes sessions; an id that is not there is an error unless `--force`. */
import { UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { safeText } from '../transcript.js';

export async function rm(ctx: CommandContext): Promise<number> {
  const ids = ctx.args.positionals;
  if (ids.length === 0) throw new UsageError('rm needs at least one session id');
  const force = ctx.args.values.force === true;
  const store = await ctx.openStore(undefined, { create: false });
  let missing = 0;
  for (const id of new Set(ids)) {
    if (await store.delete(id)) ctx.print(`removed ${safeText(id)}`);
    else if (!force) {
      missing++;
      ctx.warn(`agent-sessions: session "${safeText(id)}" not found; nothing removed for it.`);
    }
  }
  return missing > 0 ? 1 : 0;
}
