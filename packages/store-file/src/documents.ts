/** Reading one session document from the folder, with the checks that tie a file to the id it claims. */
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SessionCorruptError, type SessionData } from '@agent-sessions/core/adapter';
import { type Fingerprint, fingerprintOf, isMissing, readWithFingerprint, sameFingerprint } from './fs-utils.js';
import { sessionFileName } from './layout.js';

export type Decode = (bytes: Uint8Array, record: string, sessionId: string | null) => SessionData;

export interface ReadDocument {
  session: SessionData;
  fp: Fingerprint;
}

/**
 * A file named for one id must hold that id: a hashed name (`~~<sha256>.json`) carries the id only inside, and a
 * copied or hand-renamed file (or an a3s-code file whose id it sanitized, `a/b` → `a_b.json`) would otherwise be
 * returned under an id it does not claim.
 */
function assertIdentity(session: SessionData, name: string, path: string, expectedId: string | null): void {
  const wrong = expectedId !== null ? session.id !== expectedId : sessionFileName(session.id) !== name;
  if (wrong)
    throw new SessionCorruptError(
      path,
      `it holds session "${session.id}", which is not the session this file name stands for` +
        (expectedId === null ? '' : ` ("${expectedId}")`) +
        '; rename the file to match its id or fix the "id" field',
      { backend: 'file', sessionId: expectedId },
    );
}

// A program that rewrites a file in place (not by rename) can be caught half-way; a changed fingerprint after a
// failed decode means exactly that, so the read is tried again.
const ATTEMPTS = 3;

/**
 * Reads and decodes the document at `path` (file name `name`). `expectedId`: the id the caller asked for, or null
 * when the name is hashed and the id is learnt from inside. Null when there is no file.
 */
export async function readDocument(
  path: string,
  name: string,
  expectedId: string | null,
  decode: Decode,
): Promise<ReadDocument | null> {
  for (let attempt = 1; ; attempt++) {
    const file = await readWithFingerprint(path);
    if (file === null) return null;
    try {
      if (!file.isFile)
        throw new SessionCorruptError(path, 'it is not a regular file', { backend: 'file', sessionId: expectedId });
      const session = decode(file.bytes, path, expectedId);
      assertIdentity(session, name, path, expectedId);
      return { session, fp: file.fp };
    } catch (error) {
      if (!(error instanceof SessionCorruptError) || attempt >= ATTEMPTS) throw error;
      const now = await statFingerprint(path);
      if (now !== null && sameFingerprint(now, file.fp)) throw error;
    }
  }
}

/** The fingerprint of the file at `path`, or null when there is none. */
export async function statFingerprint(path: string): Promise<Fingerprint | null> {
  try {
    return fingerprintOf(await stat(path, { bigint: true }));
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** {@link statFingerprint} as one synchronous call, for the write path under the session lock. */
export function statFingerprintSync(path: string): Fingerprint | null {
  try {
    return fingerprintOf(statSync(path, { bigint: true }));
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}
