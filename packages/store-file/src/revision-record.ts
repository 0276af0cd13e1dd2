/**
 * The revision record kept beside each document (`.agent-sessions/<stem>.rev`), never inside it: a3s-code knows
 * nothing of revisions, and `load` must return the document exactly.
 *
 * The record holds the revision of the last write made through this package and the fingerprint of the file that
 * write produced. Reading the current revision:
 * - no document: the session does not exist (a leftover record is ignored, so a re-created session starts at 1);
 * - a document but no record: another program created it: revision 1;
 * - a document that matches the record's fingerprint: the record's revision;
 * - a document that does not match: another program (a3s-code, an editor) rewrote it since: record + 1, so a
 *   caller holding the old revision gets a conflict instead of silently overwriting that change.
 *
 * On disk a record is a fixed-size block, `<json>\n<checksum>\n` padded with spaces, overwritten in place (only
 * ever under the session's lock). In place because a rename over an existing file makes ext4 flush it
 * (auto_da_alloc), which costs hundreds of microseconds against a few for one write. A reader without the lock
 * may catch a write half-way: the checksum turns that into "unreadable", which the store settles under the lock.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { type Fingerprint, isMissing, sameFingerprint } from './fs-utils.js';

export interface RevisionRecord {
  revision: number;
  fp: Fingerprint;
}

/** Every record occupies exactly this many bytes, so an overwrite never needs a truncate. */
export const RECORD_BYTES = 256;

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

export function formatRecord(record: RevisionRecord): Buffer {
  const { revision, fp } = record;
  const json = JSON.stringify({ v: 1, revision, ...fp });
  const block = Buffer.alloc(RECORD_BYTES, 0x20);
  block.write(`${json}\n${checksum(json)}\n`, 0, 'utf8');
  return block;
}

/** Parses a record's bytes; null for anything unreadable (torn, damaged or foreign: it counts as missing). */
export function parseRecord(text: string): RevisionRecord | null {
  const [json, sum] = text.slice(0, RECORD_BYTES).trimEnd().split('\n');
  if (json === undefined || sum !== checksum(json)) return null;
  try {
    const v = JSON.parse(json) as { v?: unknown; revision?: unknown; ino?: unknown; size?: unknown; mtimeNs?: unknown };
    if (
      v.v === 1 &&
      Number.isSafeInteger(v.revision) &&
      (v.revision as number) > 0 &&
      typeof v.ino === 'string' &&
      typeof v.size === 'string' &&
      typeof v.mtimeNs === 'string'
    )
      return { revision: v.revision as number, fp: { ino: v.ino, size: v.size, mtimeNs: v.mtimeNs } };
  } catch {
    // fall through: treated as missing
  }
  return null;
}

/**
 * Records are tiny: they are read and written with synchronous calls, which take microseconds on a local disk,
 * where each asynchronous call would cost a thread-pool round trip several times longer.
 * Returns 'missing' when there is no record file, null when there is one that cannot be read.
 */
export function readRecordFile(path: string): RevisionRecord | null | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    if (isMissing(error)) return 'missing';
    throw error;
  }
  return parseRecord(text);
}

export function readRecord(path: string): RevisionRecord | null {
  const record = readRecordFile(path);
  return record === 'missing' ? null : record;
}

/**
 * Overwrites the record in place; the caller holds the session's lock. No fsync: after a power loss the record
 * may be the previous one, which makes the document look changed by someone else and so reads as the revision
 * that was lost; a record that never reached the disk reads as missing, and the revision restarts at 1.
 */
export function writeRecord(path: string, record: RevisionRecord): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    const block = formatRecord(record);
    let written = 0;
    while (written < block.length) written += writeSync(fd, block, written, block.length - written, written);
  } finally {
    closeSync(fd);
  }
}

/** The current revision of a document given its fingerprint (null: no document) and its record. */
export function currentRevision(doc: Fingerprint | null, record: RevisionRecord | null): number | null {
  if (doc === null) return null;
  if (record === null) return 1;
  return sameFingerprint(doc, record.fp) ? record.revision : record.revision + 1;
}
