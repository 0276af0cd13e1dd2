/**
 * An output file (`export -o FILE`) written beside its final name and renamed into place only when the export
 * finished: a failed or interrupted export leaves an existing FILE (yesterday's backup) as it was.
 */
import { once } from 'node:events';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileError } from './file-error.js';

export interface OutputFile {
  readonly stream: WriteStream;
  /** Moves the finished file to its name. Call after the stream ended. */
  commit(): Promise<void>;
  /** Removes the partial file; never throws. */
  abort(): void;
}

/** Creates the temporary file; resolves once it is open, so a bad path fails before any work starts. */
export async function openOutputFile(path: string): Promise<OutputFile> {
  // Same folder as the target, so the rename stays on one file system and replaces the target in one step.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  const stream = createWriteStream(temp, { flags: 'wx' });
  try {
    await once(stream, 'open');
  } catch (error) {
    // The user named `path`, not the temporary name: say it in their terms.
    throw new FileError(path, 'write', error);
  }
  const abort = (): void => {
    stream.destroy();
    rmSync(temp, { force: true });
  };
  // Ctrl-C ends the process with process.exit: the partial file goes too.
  process.once('exit', abort);
  return {
    stream,
    commit: async () => {
      process.off('exit', abort);
      await rename(temp, path);
    },
    abort: () => {
      process.off('exit', abort);
      abort();
    },
  };
}
