/**
 * JSON Lines in and out, one session document per line, in constant memory: lines are read one at a time with
 * readline (which pauses its input while lines wait), and writes wait for `drain` when the reader is slower.
 */
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface NumberedLine {
  /** 1-based, counting empty lines too, so it matches what an editor shows. */
  number: number;
  text: string;
  /** Bytes of input up to the end of this line: progress against the file size (CR of CRLF not counted). */
  end: number;
}

/** Yields every non-blank line with its line number. A byte order mark on the first line is dropped. */
export async function* readLines(input: Readable): AsyncGenerator<NumberedLine> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  let end = 0;
  try {
    for await (const raw of lines) {
      number++;
      end += Buffer.byteLength(raw) + 1;
      const text = number === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === '') continue;
      yield { number, text, end };
    }
  } finally {
    lines.close();
  }
}

/** The size in bytes of an input that is a regular file (`-i FILE`, or stdin redirected from one); else null. */
export function inputSize(input: Readable): number | null {
  // fs streams (a file, or stdin from a file) carry their descriptor; pipes and terminals have no size to show.
  const fd = (input as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return null;
  try {
    const stat = fstatSync(fd);
    return stat.isFile() ? stat.size : null;
  } catch {
    return null;
  }
}

/**
 * Writes lines with backpressure. When the reader goes away (`export | head`), `closed` becomes true and further
 * writes are dropped, so the command can stop early instead of dying with EPIPE.
 */
export class LineWriter {
  readonly #out: Writable;
  #closed = false;
  #error: Error | null = null;

  constructor(out: Writable) {
    this.#out = out;
    out.on('error', (error: NodeJS.ErrnoException) => {
      this.#closed = true;
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') this.#error = error;
    });
    out.on('close', () => {
      this.#closed = true;
    });
  }

  /** True once the output cannot take more lines. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves when the line is accepted and the stream's buffer is below its high-water mark again. */
  async write(line: string): Promise<void> {
    this.#throwIfFailed();
    if (this.#closed) return;
    if (!this.#out.write(`${line}\n`)) {
      // 'close' and 'error' also end the wait: a reader that vanished never drains.
      await Promise.race([once(this.#out, 'drain'), once(this.#out, 'close'), once(this.#out, 'error')]).catch(
        () => {},
      );
    }
    this.#throwIfFailed();
  }

  /** Ends a stream the command opened itself (a file), waiting until its bytes are handed to the system. */
  async end(): Promise<void> {
    if (this.#closed) return this.#throwIfFailed();
    const finished = once(this.#out, 'finish');
    this.#out.end();
    await finished;
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error;
  }
}
