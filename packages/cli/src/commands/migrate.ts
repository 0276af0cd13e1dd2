/**
 * `migrate --from URL --to URL`: copies every session, verifying each copy by reading it back and comparing it
 * with the source. A session the target already holds unchanged is skipped, so an interrupted run resumes by
 * running the same command again. `--dry-run` reads both sides and writes nothing.
 */
import {
  parseStoreUrl,
  type SessionData,
  type SessionStore,
  SessionStoreError,
  StoreAccessError,
  StoreClosedError,
  StoreNotInstalledError,
  StoreUnavailableError,
} from '@agent-sessions/core/adapter';
import { requiredOption, UsageError } from '../args.js';
import { firstDifference, sameDocument } from '../compare.js';
import { type CommandContext, redactUrl } from '../context.js';
import { mapOrdered, sessionIds } from '../pool.js';
import { safeText } from '../transcript.js';
import { migrateLayout } from './migrate-layout.js';

/** Sessions in flight at once: each costs a few round trips, which overlap. */
const MIGRATE_CONCURRENCY = 4;

type Outcome = { kind: 'copied' | 'skipped' | 'gone' } | { kind: 'failed'; reason: string };

/** Errors that concern a store as a whole: carrying on with the next session would fail the same way. */
function isStoreWide(error: unknown): boolean {
  return (
    error instanceof StoreUnavailableError ||
    error instanceof StoreAccessError ||
    error instanceof StoreClosedError ||
    error instanceof StoreNotInstalledError ||
    !(error instanceof SessionStoreError)
  );
}

async function targetCopy(to: SessionStore, id: string): Promise<SessionData | null> {
  try {
    return await to.load(id);
  } catch (error) {
    // A corrupt target record is replaced by the good source copy, which is what a migration is for.
    if (error instanceof SessionStoreError && error.code === 'SESSION_CORRUPT') return null;
    throw error;
  }
}

async function migrateOne(from: SessionStore, to: SessionStore, id: string, dryRun: boolean): Promise<Outcome> {
  try {
    const source = await from.load(id);
    if (source === null) return { kind: 'gone' };
    const existing = await targetCopy(to, id);
    if (existing !== null && sameDocument(existing, source)) return { kind: 'skipped' };
    if (dryRun) return { kind: 'copied' };
    await to.save(source);
    const back = await to.load(id);
    if (back === null) return { kind: 'failed', reason: 'not found in the target when read back after saving' };
    const diff = firstDifference(source, back);
    if (diff !== null) return { kind: 'failed', reason: `the copy read back differs from the source at ${diff}` };
    return { kind: 'copied' };
  } catch (error) {
    if (isStoreWide(error)) throw error;
    return { kind: 'failed', reason: (error as Error).message };
  }
}

export async function migrate(ctx: CommandContext): Promise<number> {
  const layout = ctx.args.values.layout;
  if (typeof layout === 'string') return migrateLayout(ctx, layout);
  const fromUrl = requiredOption(ctx.args.values, 'from', 'migrate');
  const toUrl = requiredOption(ctx.args.values, 'to', 'migrate');
  if (ctx.args.positionals.length > 0) throw new UsageError('migrate takes no positional arguments');
  // Both URLs are checked before either store is opened: a typo should not leave a half-created target.
  parseStoreUrl(fromUrl);
  parseStoreUrl(toUrl);
  if (fromUrl.trim() === toUrl.trim()) throw new UsageError('--from and --to name the same store');
  const dryRun = ctx.args.values['dry-run'] === true;
  const from = await ctx.openStore(fromUrl, { create: false });
  const to = await ctx.openStore(toUrl);

  const total = ctx.progressMode === 'off' ? null : (await from.list()).length;
  const progress = ctx.progress(dryRun ? 'migrate (dry run)' : 'migrate', total);
  const counts = { copied: 0, skipped: 0, failed: 0, gone: 0 };
  let fatal: unknown = null;
  try {
    const ids = sessionIds(from, {
      onFallback: (error) =>
        progress.log(`agent-sessions: listing failed (${error.message}); copying every id instead, in id order`),
      onUnreadable: (u) => {
        counts.failed++;
        progress.log(`agent-sessions: failed ${safeText(u.record)}: ${u.error.message}`);
      },
    });
    for await (const [id, outcome] of mapOrdered(
      ids,
      MIGRATE_CONCURRENCY,
      async (id) => [id, await migrateOne(from, to, id, dryRun)] as const,
    )) {
      counts[outcome.kind]++;
      if (outcome.kind === 'failed') progress.log(`agent-sessions: failed "${safeText(id)}": ${outcome.reason}`);
      progress.tick();
    }
  } catch (error) {
    fatal = error;
  } finally {
    progress.finish();
  }
  // A store that failed before any session was done (server down, wrong password) gets its one error line only:
  // a summary of zeros marked "interrupted" would suggest there is something to resume.
  const started = counts.copied + counts.skipped + counts.failed + counts.gone > 0;
  if (fatal !== null && !started) throw fatal;
  const verb = dryRun ? 'would copy' : 'copied';
  if (ctx.args.values.json === true)
    ctx.print(
      JSON.stringify({
        from: redactUrl(fromUrl),
        to: redactUrl(toUrl),
        dryRun,
        ...counts,
        interrupted: fatal !== null,
      }),
    );
  else
    ctx.print(
      `migrate ${redactUrl(fromUrl)} → ${redactUrl(toUrl)}${dryRun ? ' (dry run, nothing written)' : ''}: ` +
        `${verb} ${counts.copied}, skipped ${counts.skipped} (already equal), failed ${counts.failed}` +
        (counts.gone > 0 ? `, ${counts.gone} deleted from the source meanwhile` : '') +
        (fatal === null ? '' : '; interrupted (run the same command again to resume)'),
    );
  if (fatal !== null) throw fatal;
  return counts.failed > 0 ? 1 : 0;
}
