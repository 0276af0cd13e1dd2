/**
 * `rm <id>...`: deletes sessions; an id that is not there is an error unless `--force`. On a terminal it asks
 * first, unless `--yes`; `--dry-run` says what would be removed and removes nothing.
 */
import { assertValidSessionId } from '@agent-sessions/core/adapter';
import { UsageError } from '../args.js';
import { confirm, isInteractive } from '../confirm.js';
import type { CommandContext } from '../context.js';
import { safeText } from '../transcript.js';

export async function rm(ctx: CommandContext): Promise<number> {
  const ids = [...new Set(ctx.args.positionals)];
  if (ids.length === 0) throw new UsageError('rm needs at least one session id');
  for (const id of ids) assertValidSessionId(id);
  const { values } = ctx.args;
  const force = values.force === true;
  const dryRun = values['dry-run'] === true;
  const json = values.json === true;
  const store = await ctx.openStore(undefined, { create: false });

  const present: string[] = [];
  const missing: string[] = [];
  for (const id of ids) ((await store.exists(id)) ? present : missing).push(id);
  // --json: {"removed": [...], "missing": [...]}, plus "wouldRemove" for --dry-run and "cancelled" when refused.
  const report = (removed: string[], extra: { wouldRemove?: string[]; cancelled?: true } = {}): number => {
    if (json) ctx.print(JSON.stringify({ removed, missing, ...extra }));
    else if (!force)
      for (const id of missing)
        ctx.warn(`agent-sessions: session "${safeText(id)}" not found; nothing removed for it.`);
    if (extra.cancelled) return 1;
    return missing.length > 0 && !force ? 1 : 0;
  };

  if (dryRun) {
    if (!json) for (const id of present) ctx.print(`would remove ${safeText(id)}`);
    return report([], { wouldRemove: present });
  }
  if (present.length > 0 && values.yes !== true && isInteractive(ctx.io.stdin)) {
    const what =
      present.length === 1
        ? `session "${safeText(present[0] as string)}"`
        : `${present.length} sessions (${present.map((id) => safeText(id)).join(', ')})`;
    if (!(await confirm(ctx.io.stdin, ctx.io.stderr, `Remove ${what}?`))) {
      ctx.warn('agent-sessions: nothing removed (answer y to remove, or pass --yes).');
      return report([], { cancelled: true });
    }
  }
  const removed: string[] = [];
  for (const id of present) {
    // Someone else may have removed it since: that is a missing id too.
    if (await store.delete(id)) {
      removed.push(id);
      if (!json) ctx.print(`removed ${safeText(id)}`);
    } else missing.push(id);
  }
  return report(removed);
}
