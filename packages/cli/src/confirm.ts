/** A yes/no question on a terminal (`rm` before deleting); anything but y or yes is no. */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** Whether `stream` is a terminal a person can answer on. */
export function isInteractive(stream: Readable): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

export async function confirm(input: Readable, output: Writable, question: string): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: false });
  try {
    output.write(`${question} [y/N] `);
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      // End of input (Ctrl-D) is no.
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
