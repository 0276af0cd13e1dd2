/**
 * `show <id> --last N`: the last N messages. With `--json`, the slice as the store returns it (`loadMessages`:
 * split stores read only those messages); as a transcript, the session's header with only those messages.
 */
import type { SessionStore } from '@agent-sessions/core';
import type { CommandContext } from '../context.js';
import { renderTranscript } from '../transcript.js';

export async function showLast(ctx: CommandContext, store: SessionStore, id: string, last: number): Promise<number> {
  const slice = await store.loadMessages(id, { last });
  if (ctx.args.values.json) {
    ctx.print(JSON.stringify(slice, null, 2));
    return 0;
  }
  const session = await store.load(id);
  if (session === null) return 1;
  const shown = { ...session, messages: slice.messages };
  ctx.print(`(messages ${slice.from + 1} to ${slice.total} of ${slice.total})`);
  ctx.print(renderTranscript(shown, { full: ctx.args.values.full === true }));
  return 0;
}
