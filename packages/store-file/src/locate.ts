/**
 * Which file holds a session. A session may be in either layout, and a folder a3s-code shares may hold it more than
 * once; readers agree with a3s-code on which copy counts: `v1/sessions/<v1 name>` first, then our legacy-layout name,
 * then legacy a3s-code's sanitized name (only when the file there holds that very id).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { type SessionCipher, SessionCorruptError } from '@agent-sessions/core/adapter';
import { NOT_THIS_SESSION, type Place, type ReadDocument, readDocument } from './documents.js';
import {
  a3sSafeId,
  MAX_FILE_NAME_BYTES,
  parseSessionFileName,
  sessionFileName,
  V1_SESSIONS_DIR,
  v1FileName,
} from './layout.js';

export interface Candidate {
  place: Place;
  /** File name inside its folder. */
  name: string;
  /** Absolute path. */
  path: string;
}

/** The files that may hold session `id`, in the order that decides which one counts. */
export function candidatesFor(dir: string, id: string): Candidate[] {
  const v1Name = v1FileName(id);
  const ours = sessionFileName(id);
  const a3s = `${a3sSafeId(id)}.json`;
  const list: Candidate[] = [
    { place: 'v1', name: v1Name, path: join(dir, V1_SESSIONS_DIR, v1Name) },
    { place: 'root', name: ours, path: join(dir, ours) },
  ];
  // a3s-code could not have written a name past the file system's limit, so there is nothing to find there.
  if (a3s !== ours && Buffer.byteLength(a3s) <= MAX_FILE_NAME_BYTES)
    list.push({ place: 'root', name: a3s, path: join(dir, a3s) });
  return list;
}

/** Where a new session is written in each layout (the v1 name, or our legacy-layout name). */
export function newFileFor(dir: string, id: string, layout: 'v1' | 'legacy'): Candidate {
  const [v1, ours] = candidatesFor(dir, id) as [Candidate, Candidate];
  return layout === 'v1' ? v1 : ours;
}

/**
 * A candidate's name that is one of ours for another id (legacy a3s-code's `a_b.json` for `a/b` is our name of
 * `a_b`): an unreadable file there is that other session's problem, not this one's.
 */
function isOurNameOfAnother(candidate: Candidate, id: string): boolean {
  return (
    candidate.place === 'root' &&
    candidate.name !== sessionFileName(id) &&
    parseSessionFileName(candidate.name) !== null
  );
}

export interface Located extends ReadDocument {
  at: Candidate;
}

/** Reads session `id` from the first candidate that holds it; null when none does. */
export async function readSessionFile(dir: string, id: string, cipher: SessionCipher | null): Promise<Located | null> {
  for (const candidate of candidatesFor(dir, id)) {
    let doc: Awaited<ReturnType<typeof readDocument>>;
    try {
      doc = await readDocument(candidate.path, candidate.name, candidate.place, id, cipher);
    } catch (error) {
      if (error instanceof SessionCorruptError && isOurNameOfAnother(candidate, id)) continue;
      throw error;
    }
    if (doc === null || doc === NOT_THIS_SESSION) continue;
    return { ...doc, at: candidate };
  }
  return null;
}

/**
 * Whether any file that may hold session `id` exists, without reading it: a cheap probe before taking the lock
 * (the read under the lock decides; this only avoids creating the folder and a lock for a session that is absent).
 */
export async function mayHoldSession(dir: string, id: string): Promise<boolean> {
  for (const candidate of candidatesFor(dir, id)) {
    try {
      await access(candidate.path);
      return true;
    } catch {
      // absent (or not ours to see): try the next candidate
    }
  }
  return false;
}
