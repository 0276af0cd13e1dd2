/**
 * `migrate --layout v1|legacy [--store file:DIR]`: converts a file store's folder between its two layouts in place
 * (today's a3s-code's `v1/sessions/id_<base64url>.json` snapshots, or `<id>.json` files), one session at a time under
 * its lock, documents and revisions unchanged. Running it again resumes: sessions already in place are skipped.
 */
import { type SessionStore, SessionStoreError } from '@agent-sessions/core';
import { UsageError } from '../args.js';
import { type CommandContext, redactUrl } from '../context.js';
import { safeText } from '../transcript.js';

export const LAYOUTS = ['v1', 'legacy'] as const;
type Layout = (typeof LAYOUTS)[number];

type LayoutMove = { kind: 'moved' | 'already' | 'missing' } | { kind: 'kept'; reason: string };

/** The file store's conversion method, found by shape: the CLI depends on no adapter package. */
interface ConvertibleStore extends SessionStore {
  convertLayout(id: string, layout: Layout, options: { dryRun?: boolean }): Promise<LayoutMove>;
}

function isConvertible(store: SessionStore): store is ConvertibleStore {
  return store.backendName === 'file' && typeof (store as Partial<ConvertibleStore>).convertLayout === 'function';
}

export async function migrateLayout(ctx: CommandContext, layout: string): Promise<number> {
  if (!LAYOUTS.includes(layout as Layout)) throw new UsageError(`--layout must be v1 or legacy, got "${layout}"`);
  if (ctx.args.values.from !== undefined || ctx.args.values.to !== undefined)
    throw new UsageError('--layout converts the folder of --store in place; it takes no --from or --to');
  if (ctx.args.positionals.length > 0) throw new UsageError('migrate takes no positional arguments');
  const url = ctx.storeUrl();
  const store = await ctx.openStore(url, { create: false });
  if (!isConvertible(store))
    throw new UsageError(
      `--layout converts a file store folder (file:DIR); ${redactUrl(url)} is a ${store.backendName} store`,
    );
  const dryRun = ctx.args.values['dry-run'] === true;
  // The ids first, once: a listing's pages would shift while files move between the layouts.
  const ids = (await store.list()).sort();
  const total = ctx.progressMode === 'off' ? null : ids.length;
  const progress = ctx.progress(dryRun ? `migrate --layout ${layout} (dry run)` : `migrate --layout ${layout}`, total);
  const counts = { moved: 0, already: 0, kept: 0, failed: 0 };
  try {
    for (const id of ids) {
      try {
        const outcome = await store.convertLayout(id, layout as Layout, { dryRun });
        if (outcome.kind === 'kept') {
          counts.kept++;
          progress.log(`agent-sessions: kept "${safeText(id)}" where it is: ${outcome.reason}`);
        } else if (outcome.kind !== 'missing') counts[outcome.kind]++;
      } catch (error) {
        if (!(error instanceof SessionStoreError) || error.code !== 'SESSION_CORRUPT') throw error;
        counts.failed++;
        progress.log(`agent-sessions: failed "${safeText(id)}": ${error.message}`);
      }
      progress.tick();
    }
  } finally {
    progress.finish();
  }
  if (ctx.args.values.json === true) ctx.print(JSON.stringify({ store: redactUrl(url), layout, dryRun, ...counts }));
  else
    ctx.print(
      `migrate --layout ${layout} ${redactUrl(url)}${dryRun ? ' (dry run, nothing written)' : ''}: ` +
        `${dryRun ? 'would move' : 'moved'} ${counts.moved}, skipped ${counts.already} (already in place), ` +
        `kept ${counts.kept}, failed ${counts.failed}`,
    );
  return counts.failed > 0 ? 1 : 0;
}
