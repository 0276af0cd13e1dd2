/**
 * What lives in a sessions folder and under which name. Two layouts of documents are read; the `layout` option
 * chooses where a new session is written (an existing one is rewritten where it is).
 *
 * ```
 * <dir>/v1/sessions/id_<base64url>.json                     layout "v1": today's a3s-code (any id), a snapshot
 * <dir>/v1/sessions/~~<sha256>.json                          envelope { schema_version, session, ... }; ~~ past 255 bytes
 * <dir>/<id>.json | ~<base64url>.json | ~~<sha256>.json     layout "legacy": our names (sessionFileName below)
 * <dir>/<a3s-sanitized id>.json                              legacy a3s-code's name (`a/b` → a_b.json), read only
 * <dir>/v1/wal/, <dir>/v1/writer_lease.json                  a3s-code's write-ahead log, lock and lease: never touched
 * <dir>/.<stem>.<host>.<pid>.<random>.as-tmp                 our document being written (renamed over the document)
 * <dir>/.agent-sessions/<stem>.rev                           revision record of one session (never in the document)
 * <dir>/.agent-sessions/<stem>.lock                          per-session write lock (O_EXCL)
 * <dir>/.agent-sessions/.<host>.<pid>.<random>.as-tmp        a revision record being written
 * ```
 * `<stem>` of a record or lock is the session's legacy-layout name without `.json` (whatever file holds the
 * session): at most 250 bytes, so `<stem>.lock` still fits the 255-byte name limit. Stems are ASCII (plain ids,
 * base64url or hex), so cutting them by characters cuts them by bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  DOCUMENT_EXTENSION,
  type DocumentName,
  documentName,
  isValidSessionId,
  parseDocumentName,
} from '@agent-sessions/core/adapter';

/** Most file systems cap one name at 255 bytes: past that a document name is hashed (the id is in the document). */
export const MAX_FILE_NAME_BYTES = 255;
export const SESSION_FILE_EXTENSION = DOCUMENT_EXTENSION;

/** Our file name of a session: `<id>.json` for plain ids (a3s-code's), `~<base64url>.json`, or `~~<sha256>.json`. */
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

/** Where the layout "v1" documents live, relative to the sessions folder (a3s-code's FileSessionStore). */
export const V1_SESSIONS_DIR = join('v1', 'sessions');
/** a3s-code's writer lease: while it exists, only its holder may commit (see lease.ts). */
export const V1_WRITER_LEASE = join('v1', 'writer_lease.json');

/** The paths of one session's revision record and lock, and a short readable prefix for temp names. */
export interface SessionKeyPaths {
  rev: string;
  lock: string;
  tempStem: string;
}

export function stemOf(fileName: string): string {
  return fileName.slice(0, -SESSION_FILE_EXTENSION.length);
}

/** Record and lock of a session, keyed by its legacy-layout name whichever file holds it. */
export function keyPathsForId(dir: string, id: string): SessionKeyPaths {
  const stem = stemOf(sessionFileName(id));
  const meta = join(dir, META_DIR);
  return { rev: join(meta, `${stem}.rev`), lock: join(meta, `${stem}.lock`), tempStem: stem.slice(0, 64) };
}

/**
 * a3s-code's v1 name of a session: `id_` + base64url (no padding) of its UTF-8, as its FileSessionStore names it.
 * Past the 255-byte name limit (a3s-code cannot write those either) it is `~~<sha256 hex>.json`, id inside.
 */
export function v1FileName(id: string): string {
  const name = `id_${Buffer.from(id, 'utf8').toString('base64url')}${SESSION_FILE_EXTENSION}`;
  if (Buffer.byteLength(name) <= MAX_FILE_NAME_BYTES) return name;
  return `~~${createHash('sha256').update(id, 'utf8').digest('hex')}${SESSION_FILE_EXTENSION}`;
}

/** What a file name in `v1/sessions` holds: the id it encodes, a hashed name (read the document), or nothing. */
export function parseV1FileName(name: string): { kind: 'id'; id: string } | { kind: 'hashed' } | null {
  if (!name.endsWith(SESSION_FILE_EXTENSION)) return null;
  const stem = stemOf(name);
  if (/^~~[0-9a-f]{64}$/.test(stem)) return { kind: 'hashed' };
  if (!stem.startsWith('id_')) return null;
  const body = stem.slice(3);
  if (!/^[A-Za-z0-9_-]*$/.test(body) || body.length % 4 === 1) return null;
  const id = Buffer.from(body, 'base64url').toString('utf8');
  // One name per id: the encoding must be canonical (a3s-code's decoder refuses padding and stray bits too).
  return isValidSessionId(id) && Buffer.from(id, 'utf8').toString('base64url') === body ? { kind: 'id', id } : null;
}

/** Legacy a3s-code's file name stem for an id: `/` and `\` become `_`, then `..` becomes `_`. Not collision-free. */
export function a3sSafeId(id: string): string {
  return id.replace(/[/\\]/g, '_').replaceAll('..', '_');
}

/** Whether the root file `name` is legacy a3s-code's name for the session `id` (the rule that lets us read it). */
export function isA3sLegacyNameOf(name: string, id: string): boolean {
  return name === `${a3sSafeId(id)}${SESSION_FILE_EXTENSION}`;
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
