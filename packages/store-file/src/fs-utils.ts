/** Small file-system steps the store is built from: fingerprints, whole-file reads, atomic replace, liveness. */
import type { BigIntStats } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempName } from './layout.js';

/**
 * Identifies one version of a file without reading it. A replace by rename gives a new inode, and an in-place
 * rewrite changes the nanosecond mtime, so a change by another program shows up here.
 */
export interface Fingerprint {
  ino: string;
  size: string;
  mtimeNs: string;
}

export function fingerprintOf(st: BigIntStats): Fingerprint {
  return { ino: st.ino.toString(), size: st.size.toString(), mtimeNs: st.mtimeNs.toString() };
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}

/** ENOENT, or ENOTDIR when a parent is a file: either way there is nothing at that path. */
export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export interface FileContents {
  bytes: Buffer;
  fp: Fingerprint;
  isFile: boolean;
}

/**
 * Reads `size` bytes (the size fstat gave). Documents are replaced by rename, so that is the whole version; a file
 * that another program truncates or rewrites in place meanwhile reads short or stale and fails to decode, and the
 * caller reads it again once its fingerprint moved.
 */
async function readAll(fh: FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(size);
  let length = 0;
  while (length < size) {
    const { bytesRead } = await fh.read(buf, length, size - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return length === size ? buf : buf.subarray(0, length);
}

/**
 * Reads a whole file and the fingerprint of exactly the version read (fstat on the open handle, so a rename over
 * the path in between cannot mix two versions). Null when the file does not exist.
 */
export async function readWithFingerprint(path: string): Promise<FileContents | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) return { bytes: Buffer.alloc(0), fp: fingerprintOf(st), isFile: false };
    return { bytes: await readAll(fh, Number(st.size)), fp: fingerprintOf(st), isFile: true };
  } finally {
    await fh.close();
  }
}

/** fsync a folder so a rename inside it survives a power loss. Platforms that cannot fsync a folder skip it. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await fh?.close();
  }
}

/**
 * Replaces `target` atomically: write a temp file in the same folder (a rename is atomic only within one file
 * system), optionally fsync it, rename it over the target, optionally fsync the folder. Readers see the old or the
 * new file, never a mix. Returns the fingerprint of the new file (rename keeps inode and mtime).
 */
export async function replaceFile(
  target: string,
  data: string,
  options: { fsync: boolean; tempStem?: string },
): Promise<Fingerprint> {
  const dir = dirname(target);
  const temp = join(dir, tempName(options.tempStem));
  const fh = await open(temp, 'wx');
  let st: BigIntStats;
  try {
    await fh.writeFile(data, 'utf8');
    if (options.fsync) await fh.sync();
    st = await fh.stat({ bigint: true });
  } catch (error) {
    await fh.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await fh.close();
  try {
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (options.fsync) await fsyncDir(dir);
  return fingerprintOf(st);
}

/**
 * Whether a process with this pid runs on this machine. EPERM means it exists under another user. A pid the kernel
 * reuses reads as alive: callers fall back on age for that case.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
