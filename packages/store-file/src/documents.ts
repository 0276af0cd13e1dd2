/** Reading one session document from the folder, with the checks that tie a file to the id it claims. */
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  assertNotSealed,
  decodeSessionValue,
  mayHoldLoneSurrogate,
  parseJsonText,
  type SessionCipher,
  SessionCorruptError,
  type SessionData,
} from '@agent-sessions/core/adapter';
import { type Fingerprint, fingerprintOf, isMissing, readWithFingerprint, sameFingerprint } from './fs-utils.js';
import { isA3sLegacyNameOf, parseSessionFileName, sessionFileName, v1FileName } from './layout.js';
import { asSealedFile } from './sealed-file.js';
import { envelopeSession, isEnvelope } from './snapshot.js';

/** Which folder a document lives in: `v1/sessions` (today's a3s-code) or the sessions folder itself. */
export type Place = 'v1' | 'root';

export interface ReadDocument {
  session: SessionData;
  fp: Fingerprint;
  /** The file's text when it is a snapshot envelope (its other members are kept on rewrite), else null. */
  envelopeText: string | null;
}

/**
 * A read that found a file which is not the asked-for session's but another one's by legacy a3s-code's naming
 * (`a_b.json` holding `a/b`, asked for `a_b`), or (listing) a file of another program that is no session of ours.
 */
export const NOT_THIS_SESSION = 'not-this-session';

function decodeFile(
  bytes: Buffer,
  record: string,
  sessionId: string | null,
  cipher: SessionCipher | null,
): Omit<ReadDocument, 'fp'> {
  const text = bytes.toString('utf8');
  const ctx = { backend: 'file', sessionId, record };
  const value = parseJsonText(text, ctx);
  const sealed = asSealedFile(value);
  if (sealed !== null) {
    if (cipher === null) assertNotSealed(sealed.sealed, sealed.id, record, 'file');
    const json = (cipher as SessionCipher).open(sealed.sealed, sealed.id, 'document', record);
    const session = decodeSessionValue(parseJsonText(json, ctx), { ...ctx, escapes: mayHoldLoneSurrogate(json) });
    return { session, envelopeText: null };
  }
  if (isEnvelope(value))
    return { session: decodeSessionValue(envelopeSession(value, record, sessionId), ctx), envelopeText: text };
  return { session: decodeSessionValue(value, ctx), envelopeText: null };
}

function wrongId(path: string, held: string, expectedId: string | null): SessionCorruptError {
  return new SessionCorruptError(
    path,
    `it holds session "${held}", which is not the session this file name stands for` +
      (expectedId === null ? '' : ` ("${expectedId}")`) +
      '; rename the file to match its id or fix the "id" field',
    { backend: 'file', sessionId: expectedId },
  );
}

/**
 * Whether the file `name` in `place`, holding session `held`, is the session `expectedId` (or, listing, any
 * session): a v1 name must encode the id it holds; a root name must be our name of it or legacy a3s-code's
 * sanitized name of it. A hashed name (`~~<sha256>.json`) carries the id only inside, and a copied or hand-renamed
 * file would otherwise be returned under an id it does not claim.
 */
function identity(
  held: string,
  name: string,
  place: Place,
  path: string,
  expectedId: string | null,
): true | typeof NOT_THIS_SESSION {
  if (place === 'v1') {
    if (v1FileName(held) === name && (expectedId === null || held === expectedId)) return true;
    throw wrongId(path, held, expectedId);
  }
  const ours = sessionFileName(held) === name;
  const a3s = isA3sLegacyNameOf(name, held);
  if (expectedId !== null) {
    if (held === expectedId && (ours || a3s)) return true;
    // Legacy a3s-code's names collide (`a/b` and `a_b` both give a_b.json): a file that is another session's by
    // that rule, or the sanitized name of the asked-for id holding someone else, is not the asked-for session.
    if (a3s || name !== sessionFileName(expectedId)) return NOT_THIS_SESSION;
    throw wrongId(path, held, expectedId);
  }
  if (ours || a3s) return true;
  // A file under one of our names must hold its id; any other name is another program's file.
  if (parseSessionFileName(name) !== null) throw wrongId(path, held, null);
  return NOT_THIS_SESSION;
}

// A program that rewrites a file in place (not by rename) can be caught half-way; a changed fingerprint after a
// failed decode means exactly that, so the read is tried again.
const ATTEMPTS = 3;

/**
 * Reads and decodes the document at `path` (file name `name` in `place`). `expectedId`: the id the caller asked
 * for, or null when the id is learnt from inside (listing). Null when there is no file; NOT_THIS_SESSION when the
 * file belongs to another session (see above).
 */
export async function readDocument(
  path: string,
  name: string,
  place: Place,
  expectedId: string | null,
  cipher: SessionCipher | null,
): Promise<ReadDocument | typeof NOT_THIS_SESSION | null> {
  for (let attempt = 1; ; attempt++) {
    const file = await readWithFingerprint(path);
    if (file === null) return null;
    try {
      if (!file.isFile)
        throw new SessionCorruptError(path, 'it is not a regular file', { backend: 'file', sessionId: expectedId });
      const doc = decodeFile(file.bytes, path, expectedId, cipher);
      if (identity(doc.session.id, name, place, path, expectedId) === NOT_THIS_SESSION) return NOT_THIS_SESSION;
      return { ...doc, fp: file.fp };
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
