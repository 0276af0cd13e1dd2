/**
 * `export [ids...]`: one session document per line (JSON Lines) on stdout or `--output`. Without ids it pages
 * through listSessions with the cursor, so memory holds one page of summaries and a few documents at a time.
 */

import { encodeSession, SessionCorruptError, type SessionStore, type UnreadableSession } from '@agent-sessions/core';
import { assertValidSessionId } from '@agent-sessions/core/adapter';
import { stringOption, UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { LineWriter } from '../jsonl.js';
import { type OutputFile, openOutputFile } from '../output-file.js';
import { mapOrdered, sessionIds } from '../pool.js';
import { safeText } from '../transcript.js';

/** Loads in flight at once: hides the round-trip time of network stores without holding many documents. */
const EXPORT_CONCURRENCY = 8;

type Loaded = { id: string; json: string | null; error: SessionCorruptError | null };

async function loadOne(store: SessionStore, id: string, parentId: string | undefined): Promise<Loaded> {
  try {
    const session = await store.load(id);
    // The parent filter is listSessions' job, except after a fallback to list(): filter again, it costs nothing.
    if (session === null || (parentId !== undefined && session.parent_id !== parentId))
      return { id, json: null, error: null };
    return { id, json: encodeSession(session), error: null };
  } catch (error) {
    // A corrupt record is reported and skipped; anything else (server gone, access denied) ends the export.
    if (error instanceof SessionCorruptError) return { id, json: null, error };
    throw error;
  }
}

export async function exportSessions(ctx: CommandContext): Promise<number> {
  const ids = ctx.args.positionals;
  const parentId = stringOption(ctx.args.values, 'parent');
  if (ids.length > 0 && parentId !== undefined) throw new UsageError('export takes ids or --parent, not both');
  for (const id of ids) assertValidSessionId(id);
  // `-o -` is standard output, as no -o is.
  const outputPath = stringOption(ctx.args.values, 'output');
  // A path that cannot be written fails here, before the store is opened or any progress is shown.
  const output = outputPath === undefined || outputPath === '-' ? null : await openOutputFile(outputPath);
  try {
    const code = await exportTo(ctx, ids, parentId, output);
    await output?.commit();
    return code;
  } catch (error) {
    output?.abort();
    throw error;
  }
}

function outputPathOf(ctx: CommandContext): string | null {
  return stringOption(ctx.args.values, 'output') ?? null;
}

async function exportTo(
  ctx: CommandContext,
  ids: string[],
  parentId: string | undefined,
  output: OutputFile | null,
): Promise<number> {
  const store = await ctx.openStore(undefined, { create: false });

  // The total only feeds the progress display; counting ids is far cheaper than reading documents.
  const total =
    ids.length > 0
      ? ids.length
      : parentId === undefined && ctx.progressMode !== 'off'
        ? (await store.list()).length
        : null;
  const writer = new LineWriter(output?.stream ?? ctx.io.stdout);
  const progress = ctx.progress('export', total);
  const onFallback = (error: SessionCorruptError): void =>
    progress.log(`agent-sessions: listing failed (${error.message}); exporting every id instead, in id order`);
  let exported = 0;
  let missing = 0;
  let corrupt = 0;
  // An unreadable record the listing cannot name by id (a hashed file name): skipped and reported like the others.
  const onUnreadable = (u: UnreadableSession): void => {
    corrupt++;
    progress.log(`agent-sessions: skipped ${safeText(u.record)}: ${u.error.message}`);
  };
  const source =
    ids.length > 0
      ? ids
      : sessionIds(store, { onFallback, onUnreadable, ...(parentId === undefined ? {} : { parentId }) });
  try {
    for await (const item of mapOrdered(source, EXPORT_CONCURRENCY, (id) => loadOne(store, id, parentId))) {
      if (writer.closed) break;
      if (item.error) {
        corrupt++;
        progress.log(`agent-sessions: skipped "${safeText(item.id)}": ${item.error.message}`);
      } else if (item.json === null) {
        // Listed then deleted by someone else: only an id the user named is worth a word.
        if (ids.length > 0) {
          missing++;
          progress.log(`agent-sessions: session "${safeText(item.id)}" not found`);
        }
      } else {
        await writer.write(item.json);
        exported++;
      }
      progress.tick();
    }
  } finally {
    progress.finish();
  }
  if (output !== null) await writer.end();
  const closedEarly = writer.closed && output === null;
  if (ctx.args.values.json === true) {
    // stdout holds the sessions unless -o FILE took them: the summary goes where it does not mix with data.
    const summary = JSON.stringify({
      exported,
      missing,
      corrupt,
      closedEarly,
      output: output === null ? null : outputPathOf(ctx),
    });
    if (output === null) ctx.warn(summary);
    else ctx.print(summary);
  } else
    ctx.warn(
      `export: ${exported} session${exported === 1 ? '' : 's'} written` +
        (missing > 0 ? `, ${missing} not found` : '') +
        (corrupt > 0 ? `, ${corrupt} corrupt (skipped)` : '') +
        (closedEarly ? ' (output closed early)' : ''),
    );
  return missing > 0 || corrupt > 0 ? 1 : 0;
}
