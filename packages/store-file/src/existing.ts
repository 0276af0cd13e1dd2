/**
 * `create: false`: the sessions folder must already be there. Checked once, synchronously, when the store is
 * constructed; a missing folder is a StoreNotFoundError naming it, and nothing is created.
 */
import { statSync } from 'node:fs';
import { StoreAccessError, StoreNotFoundError } from '@agent-sessions/core/adapter';
import { isMissing } from './fs-utils.js';

const BACKEND = 'file';

/** Throws StoreNotFoundError when `dir` does not exist, StoreAccessError when it is not a readable folder. */
export function assertFolderExists(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    if (!isMissing(error))
      throw new StoreAccessError(`file: cannot read the sessions folder ${dir} (${(error as Error).message})`, {
        backend: BACKEND,
        cause: error,
      });
    throw new StoreNotFoundError(
      `file: the sessions folder ${dir} does not exist; check the path (nothing was created: the store was opened with create: false)`,
      dir,
      { backend: BACKEND, cause: error },
    );
  }
  if (!isDir)
    throw new StoreAccessError(`file: ${dir} is not a folder; point the store at a sessions folder`, {
      backend: BACKEND,
    });
}
