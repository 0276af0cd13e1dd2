/**
 * What lives in a sessions folder and under which name.
 *
 * ```
 * <dir>/<id>.json | ~<base64url>.json | ~~<sha256>.json     documents (core's documentName), a3s-code compatible
 * <dir>/.<stem>.<host>.<pid>.<random>.as-tmp                 our document being written (renamed over the document)
 * <dir>/.agent-sessions/<stem>.rev                           revision record of one session (never in the document)
 * <dir>/.agent-sessions/<stem>.lock                          per-session write lock (O_EXCL)
 * <dir>/.agent-sessions/.<host>.<pid>.<random>.as-tmp        a revision record being written
 * ```
 * `<stem>` is the document name without `.json`: at most 250 bytes, so `<stem>.lock` still fits the 255-byte name
 * limit. Stems are ASCII (plain ids, base64url or hex), so cutting them by characters cuts them by bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DOCUMENT_EXTENSION, type DocumentName, documentName, parseDocumentName } from '@agent-sessions/core/adapter';

/** Most file systems cap one name at 255 bytes: past that a document name is hashed (the id is in the document). */
const MAX_FILE_NAME_BYTES = 255;

/** The file name of a session: `<id>.json` for plain ids (a3s-code's), `~<base64url>.json`, or `~~<sha256>.json`. */
export function sessionFileName(id: string): string {
  const name = documentName(id);
  return Buffer.byteLength(name, 'utf8') <= MAX_FILE_NAME_BYTES ? name : documentName(id, true);
}

/** What a file name in a sessions folder holds: an id, a hashed name (read the document), or not a session. */
export type ParsedFileName = DocumentName;
export const parseSessionFileName = parseDocumentName;

/** The hidden folder beside the documents that holds revision records and locks; a3s-code ignores it. */
export const META_DIR = '.agent-sessions';

/** Suffix of every temp file this package writes (a3s-code's end in `.tmp`, which we never touch). */
export const TEMP_SUFFIX = '.as-tmp';

function readOr(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}

/**
 * A short tag for "pids here mean the same processes as mine", in temp and lock names: a pid is only meaningful
 * within the pid namespace (container) and boot that issued it, and a folder may be shared between machines or
 * containers of one pod (same host name, separate pid namespaces). Liveness checks apply only to files whose tag
 * matches; others are judged by age.
 */
export const HOST_TAG = createHash('sha256')
  .update(hostname())
  .update('\0')
  .update(readOr(() => readlinkSync('/proc/self/ns/pid')))
  .update('\0')
  .update(readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')))
  .digest('hex')
  .slice(0, 8);

export interface SessionPaths {
  /** The document's file name inside the folder. */
  name: string;
  /** Absolute path of the document. */
  doc: string;
  /** Absolute path of the revision record. */
  rev: string;
  /** Absolute path of the lock file. */
  lock: string;
  /** Short readable prefix for temp names. */
  tempStem: string;
}

export function stemOf(fileName: string): string {
  return fileName.slice(0, -DOCUMENT_EXTENSION.length);
}

export function pathsForName(dir: string, name: string): SessionPaths {
  const stem = stemOf(name);
  const meta = join(dir, META_DIR);
  return {
    name,
    doc: join(dir, name),
    rev: join(meta, `${stem}.rev`),
    lock: join(meta, `${stem}.lock`),
    tempStem: stem.slice(0, 64),
  };
}

export function pathsForId(dir: string, id: string): SessionPaths {
  return pathsForName(dir, sessionFileName(id));
}

/** A fresh temp name in the folder of `target`: hidden, ours, and carrying our host tag and pid for cleanup. */
export function tempName(stem = ''): string {
  return `.${stem === '' ? '' : `${stem}.`}${HOST_TAG}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
}

const OUR_TEMP = /^\.(?:.*\.)?([0-9a-f]{8})\.(\d+)\.[0-9a-f]+\.as-tmp$/;

/** The host tag and pid of one of our temp files, or null when the name is not ours. */
export function parseTempName(name: string): { host: string; pid: number } | null {
  const m = OUR_TEMP.exec(name);
  return m ? { host: m[1] as string, pid: Number(m[2]) } : null;
}
