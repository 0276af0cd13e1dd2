/**
 * Where a write goes and in which form. An existing session is rewritten in the file readers use (locate.ts) and in
 * that file's form (a bare document, or a3s-code's snapshot envelope whose other members are kept); a new one goes
 * where the `layout` option says. Our legacy-layout name of `a_b` may be taken by legacy a3s-code's file of `a/b`:
 * that file is left alone and `a_b` goes to its v1 name, so names stay collision-free.
 *
 * The form of a file we wrote is remembered with its fingerprint, so a save reads nothing back in the common case;
 * a file another program changed is read once to learn its form.
 */
import { readFileSync } from 'node:fs';
import { type SessionCipher, SessionCorruptError } from '@agent-sessions/core/adapter';
import { NOT_THIS_SESSION, readDocument, statFingerprintSync } from './documents.js';
import { type Fingerprint, sameFingerprint } from './fs-utils.js';
import { parseSessionFileName } from './layout.js';
import { type Candidate, candidatesFor, type Located } from './locate.js';
import type { RevisionRecord } from './revision-record.js';
import { type EnvelopeMembers, envelopeMembers, isEnvelope, NEW_ENVELOPE } from './snapshot.js';

export interface WriteTarget {
  at: Candidate;
  /** The current file's fingerprint, null when the session has no file yet. */
  fp: Fingerprint | null;
  /** Members to keep around the document (an envelope), or null for a bare document. */
  envelope: EnvelopeMembers | null;
}

// Envelope members are a3s-code's runtime records (artifacts, traces); large ones are read again instead of kept.
const MAX_REMEMBERED_CHARS = 1 << 20;
const MAX_REMEMBERED_FILES = 4096;

/**
 * Our name whose content must be read to know whose it is: one that legacy a3s-code's naming could also give another
 * id (`a_b.json`, `~x.json`), or a hashed one (`~~<sha256>.json`), which says nothing of its id.
 */
function isAmbiguous(name: string): boolean {
  const parsed = parseSessionFileName(name);
  return parsed?.kind === 'hashed' || (parsed?.kind === 'id' && (parsed.id.includes('_') || name.startsWith('~')));
}

export class WriteTargets {
  readonly #dir: string;
  readonly #layout: 'v1' | 'legacy';
  readonly #forms = new Map<string, { fp: Fingerprint; envelope: EnvelopeMembers | null }>();

  readonly #cipher: SessionCipher | null;

  constructor(dir: string, layout: 'v1' | 'legacy', cipher: SessionCipher | null) {
    this.#dir = dir;
    this.#layout = layout;
    this.#cipher = cipher;
  }

  /** Remembers the form of a file just written. */
  remember(target: WriteTarget, fp: Fingerprint): void {
    const size = target.envelope?.reduce((n, [k, v]) => n + k.length + v.length, 0) ?? 0;
    this.#forms.delete(target.at.path);
    if (size > MAX_REMEMBERED_CHARS) return;
    if (this.#forms.size >= MAX_REMEMBERED_FILES) this.#forms.delete(this.#forms.keys().next().value as string);
    this.#forms.set(target.at.path, { fp, envelope: target.envelope });
  }

  /** The form of the existing file `at` (version `fp`). */
  #formOf(at: Candidate, fp: Fingerprint): EnvelopeMembers | null {
    const known = this.#forms.get(at.path);
    if (known && sameFingerprint(known.fp, fp)) return known.envelope;
    let text: string;
    try {
      text = readFileSync(at.path, 'utf8');
      return isEnvelope(JSON.parse(text)) ? envelopeMembers(text) : null;
    } catch {
      // Unreadable: it is being replaced whole; a v1 file becomes a fresh envelope.
      return at.place === 'v1' ? NEW_ENVELOPE : null;
    }
  }

  /**
   * Whether our legacy-layout file `at` (version `fp`) is session `id`'s: a file we wrote for it last (the record
   * says so), one whose name cannot mean another id, or one that holds it. A damaged file there is replaced.
   */
  async #isOurs(
    at: Candidate,
    fp: Fingerprint,
    id: string,
    record: RevisionRecord | null,
    damaged: 'mine' | 'throw',
  ): Promise<boolean> {
    if ((record !== null && sameFingerprint(record.fp, fp)) || !isAmbiguous(at.name)) return true;
    try {
      return (await readDocument(at.path, at.name, at.place, id, this.#cipher)) !== NOT_THIS_SESSION;
    } catch (error) {
      if (error instanceof SessionCorruptError && damaged === 'mine') return true;
      throw error;
    }
  }

  /** Whether legacy a3s-code's sanitized file `at` holds session `id` (a damaged one proves nothing). */
  async #holds(at: Candidate, id: string): Promise<boolean> {
    try {
      const doc = await readDocument(at.path, at.name, at.place, id, this.#cipher);
      return doc !== null && doc !== NOT_THIS_SESSION;
    } catch (error) {
      if (error instanceof SessionCorruptError) return false;
      throw error;
    }
  }

  /** Where `save` writes session `id`; the caller holds the session's lock. */
  async forWrite(id: string, record: RevisionRecord | null): Promise<WriteTarget> {
    const [v1, ours, a3s] = candidatesFor(this.#dir, id) as [Candidate, Candidate, Candidate | undefined];
    let fp = statFingerprintSync(v1.path);
    if (fp !== null) return { at: v1, fp, envelope: this.#formOf(v1, fp) };
    let oursTaken = false;
    fp = statFingerprintSync(ours.path);
    if (fp !== null) {
      if (await this.#isOurs(ours, fp, id, record, 'mine')) return { at: ours, fp, envelope: this.#formOf(ours, fp) };
      oursTaken = true;
    }
    if (a3s !== undefined) {
      fp = statFingerprintSync(a3s.path);
      if (fp !== null && (await this.#holds(a3s, id))) return { at: a3s, fp, envelope: this.#formOf(a3s, fp) };
    }
    const at = this.#layout === 'v1' || oursTaken ? v1 : ours;
    return { at, fp: null, envelope: at.place === 'v1' ? NEW_ENVELOPE : null };
  }

  /**
   * The file session `id` has in `layout` (a layout conversion's target), or null when its legacy-layout name is
   * another session's (legacy a3s-code's `a_b.json` of `a/b`).
   */
  async inLayout(id: string, layout: 'v1' | 'legacy', record: RevisionRecord | null): Promise<Candidate | null> {
    const [v1, ours] = candidatesFor(this.#dir, id) as [Candidate, Candidate];
    if (layout === 'v1') return v1;
    const fp = statFingerprintSync(ours.path);
    return fp === null || (await this.#isOurs(ours, fp, id, record, 'mine')) ? ours : null;
  }

  /** The target of a rewrite of the file a read just found (append). */
  fromRead(doc: Located): WriteTarget {
    return { at: doc.at, fp: doc.fp, envelope: doc.envelopeText === null ? null : envelopeMembers(doc.envelopeText) };
  }

  /**
   * Every file that is session `id`'s (what a delete removes, what makes it exist). `damaged`: whether a damaged
   * file under our name counts as the session's ('mine', a delete) or throws SessionCorruptError ('throw').
   */
  async ownedFiles(id: string, record: RevisionRecord | null, damaged: 'mine' | 'throw'): Promise<Candidate[]> {
    const [v1, ours, a3s] = candidatesFor(this.#dir, id) as [Candidate, Candidate, Candidate | undefined];
    const owned: Candidate[] = [];
    if (statFingerprintSync(v1.path) !== null) owned.push(v1);
    const fp = statFingerprintSync(ours.path);
    if (fp !== null && (await this.#isOurs(ours, fp, id, record, damaged))) owned.push(ours);
    if (a3s !== undefined && statFingerprintSync(a3s.path) !== null && (await this.#holds(a3s, id))) owned.push(a3s);
    return owned;
  }
}
