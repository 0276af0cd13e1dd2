/** A file named on the command line (`-i FILE`, `-o FILE`) that cannot be opened: one line saying which and why. */
import { dirname } from 'node:path';

export class FileError extends Error {
  readonly path: string;
  constructor(path: string, action: 'read' | 'write', cause: unknown) {
    super(`cannot ${action} ${path}: ${reason(path, action, cause)}`, { cause });
    this.name = 'FileError';
    this.path = path;
  }
}

function reason(path: string, action: 'read' | 'write', cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT')
    return action === 'read' ? 'no such file (check the path)' : `the folder ${dirname(path)} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return cause instanceof Error ? cause.message : String(cause);
}
