/**
 * `ls`: the newest sessions first, as a table or as JSON. A record the store cannot read is named on stderr after
 * the listing (exit 1) instead of failing the whole listing; `--strict` stops at the first one.
 */
import { MAX_LIST_LIMIT, type SessionSummary, type UnreadableSession } from '@agent-sessions/core';
import { integerOption, stringOption } from '../args.js';
import type { CommandContext } from '../context.js';
import { formatTime, safeText } from '../transcript.js';

/** Rows shown when `--limit` is absent. */
export const DEFAULT_LS_LIMIT = 50;

function cell(text: string, width: number): string {
  const clean = safeText(text).replace(/\n/g, ' ');
  return clean.length > width ? `${clean.slice(0, width - 1)}…` : clean.padEnd(width);
}

function table(rows: SessionSummary[]): string[] {
  const idWidth = Math.min(40, Math.max(2, ...rows.map((r) => safeText(r.id).length)));
  const header = [
    'ID'.padEnd(idWidth),
    'NAME'.padEnd(30),
    'STATE    ',
    'MSGS ',
    'REV  ',
    'UPDATED (UTC)       ',
    'PARENT',
  ];
  const lines = [header.join('  ').trimEnd()];
  for (const r of rows)
    lines.push(
      [
        cell(r.id, idWidth),
        cell(r.name, 30),
        r.state.padEnd(9),
        String(r.message_count).padStart(5),
        String(r.revision).padStart(5),
        formatTime(r.updated_at).padEnd(20),
        r.parent_id === null ? '' : cell(r.parent_id, 40).trimEnd(),
      ]
        .join('  ')
        .trimEnd(),
    );
  return lines;
}

export async function ls(ctx: CommandContext): Promise<number> {
  const { values } = ctx.args;
  // Beyond one page the command follows the cursor, so any --limit works; the store caps pages at 1000.
  const limit = integerOption(values, 'limit', DEFAULT_LS_LIMIT, Number.MAX_SAFE_INTEGER);
  const parentId = stringOption(values, 'parent');
  const store = await ctx.openStore(undefined, { create: false });
  const strict = values.strict === true;
  const rows: SessionSummary[] = [];
  const unreadable: UnreadableSession[] = [];
  let cursor: string | undefined;
  let more = false;
  do {
    const page = await store.listSessions({
      limit: Math.min(MAX_LIST_LIMIT, limit - rows.length),
      ...(cursor === undefined ? {} : { cursor }),
      ...(parentId === undefined ? {} : { parentId }),
      ...(strict ? { strict: true } : {}),
    });
    rows.push(...page.sessions);
    unreadable.push(...(page.unreadable ?? []));
    cursor = page.nextCursor ?? undefined;
    more = cursor !== undefined;
  } while (more && rows.length < limit);

  if (values.json) ctx.print(JSON.stringify(rows, null, 2));
  else if (rows.length === 0 && unreadable.length === 0)
    ctx.warn(parentId === undefined ? 'No sessions in this store.' : `No sessions with parent "${parentId}".`);
  else {
    for (const line of table(rows)) ctx.print(line);
    if (more) ctx.warn(`Showing the newest ${rows.length}; more exist (--limit N shows more).`);
  }
  return reportUnreadable(ctx, unreadable);
}

/** One stderr line per unreadable record, then a count; exit 1 when there was any. */
function reportUnreadable(ctx: CommandContext, unreadable: readonly UnreadableSession[]): number {
  if (unreadable.length === 0) return 0;
  for (const u of unreadable)
    ctx.warn(
      `agent-sessions: unreadable ${u.id === null ? '' : `session "${safeText(u.id)}" at `}${safeText(u.record)}: ${u.error.message}`,
    );
  ctx.warn(
    `agent-sessions: ${unreadable.length} record${unreadable.length === 1 ? '' : 's'} could not be read and ${unreadable.length === 1 ? 'is' : 'are'} not listed ` +
      '(export and migrate skip them too; --strict stops at the first)',
  );
  return 1;
}
