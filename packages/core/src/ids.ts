/**
 * Session id rules and the encodings every backend uses to turn an id into a key of its own.
 * An id is any string of 1 to 255 UTF-8 bytes, well-formed (no lone surrogates), without control characters
 * (C0, DEL, C1). Every valid id maps to a distinct key, and no key escapes its folder, prefix, table or bucket.
 */
import { createHash } from 'node:crypto';
import { InvalidSessionIdError } from './errors.js';

/** The longest session id, in UTF-8 bytes. */
export const MAX_SESSION_ID_BYTES = 255;

// C0 controls, DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws InvalidSessionIdError unless `id` is a valid session id. */
export function assertValidSessionId(id: unknown, backend?: string): asserts id is string {
  if (typeof id !== 'string')
    throw new InvalidSessionIdError(`expected a string, got ${id === null ? 'null' : typeof id}`, { backend });
  if (id.length === 0) throw new InvalidSessionIdError('it is empty', { backend });
  if (!id.isWellFormed())
    throw new InvalidSessionIdError('it contains a lone surrogate (not valid Unicode)', { backend });
  if (CONTROL_CHARS.test(id))
    throw new InvalidSessionIdError(`it contains a control character (${JSON.stringify(id)})`, { backend });
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes > MAX_SESSION_ID_BYTES) throw new InvalidSessionIdError(`it is ${bytes} UTF-8 bytes long`, { backend });
}

/** Whether `id` is a valid session id (what `assertValidSessionId` accepts). */
export function isValidSessionId(id: unknown): id is string {
  try {
    assertValidSessionId(id);
    return true;
  } catch {
    return false;
  }
}

/** Ids a3s-code writes as `<id>.json` unchanged: portable file-name characters, no leading dot, no `..`. */
const PLAIN_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** Whether an id is ASCII letters, digits, `_`, `-` and `.` (neither first nor doubled), usable as a name as it is. */
export function isPlainId(id: string): boolean {
  return PLAIN_ID.test(id) && !id.includes('..');
}

/**
 * A key segment safe in file names, S3 keys and URLs: a plain id as it is, any other id as `~` + base64url of its
 * UTF-8. Plain ids never start with `~`, so the two forms cannot collide, and decoding is exact.
 */
export function encodeIdSegment(id: string): string {
  return isPlainId(id) ? id : `~${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/** Inverse of {@link encodeIdSegment}; null when the segment is not one we made. */
export function decodeIdSegment(segment: string): string | null {
  if (isPlainId(segment)) return segment;
  if (!segment.startsWith('~') || segment.startsWith('~~')) return null;
  const body = segment.slice(1);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return null;
  const id = Buffer.from(body, 'base64url').toString('utf8');
  // Reject non-canonical encodings so that one id has exactly one name.
  return encodeIdSegment(id) === segment && isValidSessionId(id) ? id : null;
}

/** The extension of document names (files, objects). */
export const DOCUMENT_EXTENSION = '.json';

/**
 * The name of a session's document in a folder or under a key prefix, shared by the file and s3 stores:
 * `<encodeIdSegment(id)>.json` (for plain ids exactly a3s-code's `<id>.json`), or `~~<sha256 hex of the id>.json`
 * when `hashed` (the store's choice for ids too long for its names; the id is then kept inside the document).
 */
export function documentName(id: string, hashed = false): string {
  return hashed
    ? hashedDocumentName(createHash('sha256').update(id, 'utf8').digest('hex'))
    : `${encodeIdSegment(id)}${DOCUMENT_EXTENSION}`;
}

/** `~~<hash>.json`: the name of the document of a long id whose SHA-256 (hex) is `hash`. */
export function hashedDocumentName(hash: string): string {
  return `~~${hash}${DOCUMENT_EXTENSION}`;
}

/** What a document name says: the id it holds, a hash of a long id, or null for a name that is not a document. */
export type DocumentName = { kind: 'id'; id: string } | { kind: 'hashed'; hash: string } | null;

/** What a document name holds: a decodable id, a hashed name (the id is in the document), or not a session. */
export function parseDocumentName(name: string): DocumentName {
  if (!name.endsWith(DOCUMENT_EXTENSION)) return null;
  const stem = name.slice(0, -DOCUMENT_EXTENSION.length);
  if (/^~~[0-9a-f]{64}$/.test(stem)) return { kind: 'hashed', hash: stem.slice(2) };
  const id = decodeIdSegment(stem);
  return id === null ? null : { kind: 'id', id };
}
