/**
 * Encryption at rest: AES-256-GCM (node:crypto) over the text a store writes (a whole document, a head, one message
 * segment, a listed name). Each sealed text names its key, so keys rotate: reads take any listed key, writes use the
 * first. The session id and what the text is are bound as associated data, so a record copied under another id, or
 * a head put where a segment belongs, fails to open instead of being read as someone else's.
 *
 * Sealed form: `asenc1.<key id>.<base64url of 12-byte IV | ciphertext | 16-byte tag>`: no quotes, commas or
 * whitespace, so segments stay joinable by commas and the form is told apart from JSON by its first byte.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EncryptionKeyError, InvalidArgumentError, SessionCorruptError } from './errors.js';

/** One key of an encryption key ring. */
export interface EncryptionKey {
  /** Names the key inside every record it seals: 1 to 64 of A-Z a-z 0-9 _ -. */
  id: string;
  /** 32 bytes (AES-256). Keep it out of URLs, logs and the repository: load it from a secret store. */
  key: Uint8Array;
}

/** The `encryption` option of every store: the key ring, and whether names stay in clear. */
export interface EncryptionOptions {
  /** The keys, current first: writes seal with `keys[0]`, reads open with whichever key a record names. */
  keys: readonly EncryptionKey[];
  /**
   * Keep session names in clear beside the sealed document, where a backend lists them (summary columns, object
   * metadata). Default false: names are sealed and opened while listing. Ids, times, state, parent id and counts
   * are always in clear: they order and filter the listing and hold no conversation text.
   */
  clearNames?: boolean;
}

/** What a sealed text holds: the associated data that binds it to its place. */
export type SealedPart = 'document' | 'head' | 'segment' | 'name';

const PREFIX = 'asenc1.';
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whether `text` is in the sealed form (a stored JSON text never starts with `a`). */
export function isSealed(text: string): boolean {
  return text.startsWith(PREFIX);
}

/** The key id a sealed text names, or null when it is not sealed. */
export function sealedKeyId(text: string): string | null {
  if (!isSealed(text)) return null;
  const dot = text.indexOf('.', PREFIX.length);
  return dot < 0 ? null : text.slice(PREFIX.length, dot);
}

function aad(sessionId: string, part: SealedPart): Buffer {
  return Buffer.from(`agent-sessions\n${part}\n${sessionId}`, 'utf8');
}

/** Seals and opens what a store writes (see the module comment); stores build one from their `encryption` option. */
export class SessionCipher {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #current: string;
  /** Names stay in clear where a backend lists them (EncryptionOptions.clearNames). */
  readonly clearNames: boolean;
  readonly #backendOf: () => string;

  /** `backend`: the store's backend name, asked when an error is raised (stores set it after construction). */
  constructor(options: EncryptionOptions, backend: () => string) {
    const bad = (reason: string) => new InvalidArgumentError('encryption', reason, { backend: backend() });
    if (typeof options !== 'object' || options === null || !Array.isArray(options.keys) || options.keys.length === 0)
      throw bad('expected { keys: [{ id, key }, …] } with at least one key (the first one seals new writes)');
    const keys = new Map<string, Buffer>();
    for (const k of options.keys) {
      if (typeof k?.id !== 'string' || !KEY_ID.test(k.id))
        throw bad(`key id ${JSON.stringify(k?.id)} must be 1 to 64 of A-Z a-z 0-9 _ -`);
      if (!(k.key instanceof Uint8Array) || k.key.byteLength !== 32)
        throw bad(`key "${k.id}" must be 32 bytes (a Uint8Array or Buffer), got ${describeKey(k.key)}`);
      if (keys.has(k.id)) throw bad(`key id "${k.id}" is listed twice`);
      keys.set(k.id, Buffer.from(k.key));
    }
    this.#keys = keys;
    this.#current = options.keys[0]?.id as string;
    this.clearNames = options.clearNames === true;
    this.#backendOf = backend;
  }

  get #backend(): string {
    return this.#backendOf() ?? 'unknown';
  }

  /** Seals `text` (UTF-8) as `part` of session `sessionId` with the current key. */
  seal(text: string, sessionId: string, part: SealedPart): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#current) as Buffer, iv);
    cipher.setAAD(aad(sessionId, part));
    const body = Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.#current}.${body.toString('base64url')}`;
  }

  /**
   * Opens a sealed text of session `sessionId`; a text in clear (written before encryption was turned on) is
   * returned as it is, so a store can be encrypted record by record as it is written. EncryptionKeyError when the
   * named key is not listed; SessionCorruptError (naming `record`) when it does not open: tampered, truncated, or
   * copied from another session or place.
   */
  open(text: string, sessionId: string, part: SealedPart, record: string): string {
    if (!isSealed(text)) return text;
    const keyId = sealedKeyId(text);
    const corrupt = (reason: string) => new SessionCorruptError(record, reason, { backend: this.#backend, sessionId });
    if (keyId === null) throw corrupt('its encrypted form is cut short (no key id)');
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new EncryptionKeyError(keyId, record, { backend: this.#backend, sessionId });
    const body = Buffer.from(text.slice(PREFIX.length + keyId.length + 1).trimEnd(), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw corrupt('its encrypted form is cut short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
      decipher.setAAD(aad(sessionId, part));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return plain.toString('utf8');
    } catch (cause) {
      throw new SessionCorruptError(
        record,
        `it does not decrypt with key "${keyId}" as the ${part} of session ${JSON.stringify(sessionId)} (tampered, or copied from another session)`,
        { backend: this.#backend, sessionId, cause },
      );
    }
  }

  /**
   * Message segments joined by commas (as split stores read them), each sealed one opened. A history may mix
   * segments written before encryption was turned on (clear JSON) with sealed ones: outside JSON strings a comma is
   * never followed by `a`, so `,asenc1.` there starts a sealed segment, which runs to the next comma.
   */
  openSegments(joined: string, sessionId: string, record: string): string {
    if (!joined.includes(PREFIX)) return joined;
    const out: string[] = [];
    let i = 0;
    while (i < joined.length) {
      if (joined.startsWith(PREFIX, i)) {
        const end = joined.indexOf(',', i);
        const stop = end < 0 ? joined.length : end;
        const text = this.open(joined.slice(i, stop), sessionId, 'segment', record);
        if (text !== '') out.push(text);
        i = stop + 1;
        continue;
      }
      const stop = clearSegmentEnd(joined, i);
      out.push(joined.slice(i, stop));
      i = stop + 1;
    }
    return out.join(',');
  }
}

/** Where the first sealed segment of comma-joined segments starts, or -1 (read by stores opened without a key). */
export function firstSealedSegment(joined: string): number {
  if (!joined.includes(PREFIX)) return -1;
  if (joined.startsWith(PREFIX)) return 0;
  const end = clearSegmentEnd(joined, 0);
  return end < joined.length ? end + 1 : -1;
}

/** Where the clear JSON starting at `from` ends: the first comma outside strings that a sealed segment follows. */
function clearSegmentEnd(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x2c /* , */ && text.startsWith(PREFIX, i + 1)) return i;
  }
  return text.length;
}

function describeKey(key: unknown): string {
  if (key instanceof Uint8Array) return `${key.byteLength} bytes`;
  return key === undefined ? 'nothing' : typeof key;
}

/** A store's cipher from its options (null: no encryption). */
export function resolveEncryption(options: EncryptionOptions | undefined, backend: () => string): SessionCipher | null {
  return options === undefined ? null : new SessionCipher(options, backend);
}

/**
 * Refuses a sealed text read by a store opened without encryption: a clear, typed error instead of a JSON parse
 * error on the sealed bytes.
 */
export function assertNotSealed(text: string, sessionId: string | null, record: string, backend: string): void {
  const keyId = sealedKeyId(text);
  if (keyId !== null) throw new EncryptionKeyError(keyId, record, { backend, sessionId, notConfigured: true });
}
