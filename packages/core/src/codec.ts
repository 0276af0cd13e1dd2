/**
 * The one codec every backend uses: validate once, serialize once, and on the way back parse once.
 * Fidelity rules (canonical form, api_key, unsafe integers, `__proto__`) live here and in the schema, nowhere else.
 */
import type { z } from 'zod';
import { canonicalMessage, type MessageSource, sameMessage } from './canonical.js';
import { formatIssuePath, SessionCorruptError, SessionValidationError, type ValidationIssue } from './errors.js';
import { findTooDeep, findUnsafeIntegerLiteral, MAX_JSON_DEPTH, withinDepth } from './json.js';
import type { Message, SessionData } from './schema.js';
import { CALLER, STORED } from './schema-build.js';
import { mayHoldLoneSurrogate } from './text.js';

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
    message: i.message,
  }));
}

function idOf(value: unknown): string | null {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string'
    ? (value as { id: string }).id
    : null;
}

type Issues = ValidationIssue[];

/** Parses one message with the zod schema (the slow path: anything canonicalMessage could not take as it is). */
function parseWithSchema(m: unknown, fromJson: boolean): ReturnType<typeof CALLER.MessageSchema.safeParse> {
  return (fromJson ? STORED : CALLER).MessageSchema.safeParse(m);
}

// A message sits at depth 3 of the document (document, messages, message).
const MESSAGE_DEPTH_LEFT = MAX_JSON_DEPTH - 2;

/**
 * Messages: canonical ones pass as they are (no copy), those a normalisation away from it are rebuilt, the rest go
 * through the zod schema. The leading messages equal to `known` (stored messages, already checked) by canonical value
 * are not checked again: they become the known values, and `unchanged` counts them.
 */
function parseMessageList(
  value: unknown[],
  source: MessageSource,
  issues: Issues,
  known: readonly Message[] = [],
): { messages: Message[]; unchanged: number; error?: z.ZodError } {
  const messages: Message[] = new Array(value.length);
  let error: z.ZodError | undefined;
  let unchanged = 0;
  const comparable = Math.min(known.length, value.length);
  while (unchanged < comparable && sameMessage(value[unchanged], known[unchanged] as Message)) {
    messages[unchanged] = known[unchanged] as Message;
    unchanged++;
  }
  for (let i = unchanged; i < value.length; i++) {
    const m = value[i];
    const canonical = canonicalMessage(m, source);
    if (canonical !== null) {
      messages[i] = canonical;
      continue;
    }
    const result = parseWithSchema(m, source !== 'caller');
    if (result.success && withinDepth(result.data, MESSAGE_DEPTH_LEFT)) messages[i] = result.data;
    else if (result.success) {
      const deep = findTooDeep(result.data, [], MESSAGE_DEPTH_LEFT);
      issues.push({ path: ['messages', i, ...(deep?.path ?? [])], message: deep?.reason ?? 'nests too deep' });
    } else {
      error ??= result.error;
      for (const issue of toIssues(result.error)) issues.push({ ...issue, path: ['messages', i, ...issue.path] });
    }
  }
  return { messages, unchanged, error };
}

/**
 * One validation pass over a document: zod for everything but the messages (small), the fast path for messages.
 * Returns the canonical document or the issues found.
 */
function parseDocument(
  value: unknown,
  source: MessageSource,
  known?: readonly Message[],
): { ok: true; session: SessionData; unchanged: number } | { ok: false; issues: Issues; error: unknown } {
  const messagesIn =
    typeof value === 'object' && value !== null ? (value as { messages?: unknown }).messages : undefined;
  const issues: Issues = [];
  let list: ReturnType<typeof parseMessageList> | undefined;
  if (Array.isArray(messagesIn)) list = parseMessageList(messagesIn, source, issues, known);
  const head = parseHead(list === undefined ? value : { ...(value as object), messages: [] }, source !== 'caller');
  if (!head.success) issues.unshift(...toIssues(head.error));
  else if (!withinDepth(head.data, MAX_JSON_DEPTH)) {
    const deep = findTooDeep(head.data, [], MAX_JSON_DEPTH);
    issues.unshift({ path: deep?.path ?? [], message: deep?.reason ?? 'nests too deep' });
  }
  if (issues.length > 0 || !head.success) return { ok: false, issues, error: head.success ? list?.error : head.error };
  if (list !== undefined) head.data.messages = list.messages;
  return { ok: true, session: head.data, unchanged: list?.unchanged ?? 0 };
}

/** The document without its messages (small): zod, with the mode of the source. */
function parseHead(value: unknown, fromJson: boolean): ReturnType<typeof CALLER.SessionDataSchema.safeParse> {
  return (fromJson ? STORED : CALLER).SessionDataSchema.safeParse(value);
}

/**
 * Validates a document a caller wants to save and returns its canonical form. The input is never changed; the
 * result may share message objects with it that are already canonical (they are encoded, not kept, by stores).
 * Throws SessionValidationError naming the field path.
 */
export function parseSession(value: unknown, backend?: string): SessionData {
  return parseSessionOver(value, [], backend).session;
}

/**
 * parseSession for a document whose stored messages are `known` (private copies, see KnownHistories): the leading
 * messages equal to them are not checked again, and become those copies in the result. `unchanged` counts them.
 */
export function parseSessionOver(
  value: unknown,
  known: readonly Message[],
  backend?: string,
): { session: SessionData; unchanged: number } {
  const result = parseDocument(value, 'caller', known);
  if (!result.ok)
    throw new SessionValidationError(result.issues, { backend, sessionId: idOf(value), cause: result.error });
  return { session: result.session, unchanged: result.unchanged };
}

/** Validates messages for `appendMessages`. */
export function parseMessages(value: unknown, sessionId: string, backend?: string): Message[] {
  if (!Array.isArray(value))
    throw new SessionValidationError([{ path: ['messages'], message: 'expected an array of messages' }], {
      backend,
      sessionId,
    });
  const issues: Issues = [];
  const { messages, error } = parseMessageList(value, 'caller', issues);
  if (issues.length > 0) throw new SessionValidationError(issues, { backend, sessionId, cause: error });
  return messages;
}

export interface EncodeOptions {
  /** Two-space indented JSON, as a3s-code (serde_json::to_string_pretty) writes. Default false. */
  pretty?: boolean;
}

/** Serializes a canonical document (from parseSession or decodeSession). */
export function encodeSession(session: SessionData, options: EncodeOptions = {}): string {
  return options.pretty ? JSON.stringify(session, null, 2) : JSON.stringify(session);
}

/** Where stored bytes come from, for `decodeSession` and its errors. */
export interface DecodeContext {
  /** The backend, named in errors. */
  backend?: string;
  /** The id the caller asked for, when known. */
  sessionId?: string | null;
  /** Where the bytes live (file path, key, row), named in SessionCorruptError. */
  record: string;
  /**
   * Whether the JSON text held `\uD800`-`\uDFFF` escapes (mayHoldLoneSurrogate): only then can strings of the
   * parsed value hold lone surrogates, which every string is checked for. Default true (check).
   */
  escapes?: boolean;
}

/** Parses JSON text into a value, refusing integers JSON.parse would round. */
export function parseJsonText(text: string | Uint8Array, ctx: DecodeContext): unknown {
  const str =
    typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  const opts = { backend: ctx.backend, sessionId: ctx.sessionId ?? null };
  if (str.trim() === '') throw new SessionCorruptError(ctx.record, 'it is empty', opts);
  let value: unknown;
  try {
    value = JSON.parse(str);
  } catch (cause) {
    throw new SessionCorruptError(
      ctx.record,
      `it is not valid JSON (${(cause as Error).message}); it may be truncated`,
      { ...opts, cause },
    );
  }
  const unsafe = findUnsafeIntegerLiteral(str);
  if (unsafe !== null)
    throw new SessionCorruptError(
      ctx.record,
      `it holds the integer ${unsafe}, beyond ±(2^53-1), which cannot be read exactly`,
      opts,
    );
  return value;
}

/** Validates a value that came out of JSON.parse (stored data) and returns the canonical document. */
export function decodeSessionValue(value: unknown, ctx: DecodeContext): SessionData {
  const result = parseDocument(value, ctx.escapes === false ? 'stored' : 'stored-escaped');
  if (!result.ok) {
    const first = result.issues[0];
    const where = first ? `${formatIssuePath(first.path)}: ${first.message}` : 'schema mismatch';
    throw new SessionCorruptError(ctx.record, `it does not match the session schema (${where})`, {
      backend: ctx.backend,
      sessionId: ctx.sessionId ?? null,
      issues: result.issues,
      cause: result.error,
    });
  }
  return result.session;
}

/** Reads stored bytes: JSON text → canonical document, or SessionCorruptError naming the record. */
export function decodeSession(text: string | Uint8Array, ctx: DecodeContext): SessionData {
  const str =
    typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  return decodeSessionValue(parseJsonText(str, ctx), { ...ctx, escapes: mayHoldLoneSurrogate(str) });
}
