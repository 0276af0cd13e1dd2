/**
 * Asks before a command removes data: on a terminal, a y/N question on stderr; elsewhere (a script, a pipe) nobody
 * can answer, so the command needs `--yes`.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { UsageError } from '../args.js';
import type { CommandContext } from '../context.js';

export async function confirmed(ctx: CommandContext, question: string): Promise<boolean> {
  if (ctx.args.values.yes === true) return true;
  const stdin = ctx.io.stdin as Readable & { isTTY?: boolean };
  if (!stdin.isTTY) throw new UsageError(`${question} Not on a terminal: pass --yes to confirm`);
  ctx.io.stderr.write(`${question} [y/N] `);
  const rl = createInterface({ input: stdin, terminal: false });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
