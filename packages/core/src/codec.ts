/**
 * The one codec every backend uses: validate once, serialize once, and on the way back parse once.
 * Fidelity rules (canonical form, api_key, unsafe integers, `__proto__`) live here and in the schema, nowhere else.
 */
import type { z } from 'zod';
import { formatIssuePath, SessionCorruptError, SessionValidationError, type ValidationIssue } from './errors.js';
import { isCanonicalMessage } from './fast-message.js';
import { findUnsafeIntegerLiteral, sameJsonValue } from './json.js';
import { parseMode } from './parse-mode.js';
import { type Message, MessageSchema, type SessionData, SessionDataSchema } from './schema.js';

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

/**
 * Messages: canonical ones pass as they are (no copy), the rest go through the zod schema. The leading messages
 * equal to `known` (stored messages, already checked) are not checked again: they become the known values, and
 * `unchanged` counts them.
 */
function parseMessageList(
  value: unknown[],
  trusted: boolean,
  issues: Issues,
  known: readonly Message[] = [],
): { messages: Message[]; unchanged: number; error?: z.ZodError } {
  const messages: Message[] = new Array(value.length);
  let error: z.ZodError | undefined;
  let unchanged = 0;
  const comparable = Math.min(known.length, value.length);
  while (unchanged < comparable && sameJsonValue(value[unchanged], known[unchanged])) {
    messages[unchanged] = known[unchanged] as Message;
    unchanged++;
  }
  for (let i = unchanged; i < value.length; i++) {
    const m = value[i];
    if (isCanonicalMessage(m, trusted)) {
      messages[i] = m as Message;
      continue;
    }
    const result = MessageSchema.safeParse(m);
    if (result.success) messages[i] = result.data;
    else {
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
  trusted: boolean,
  known?: readonly Message[],
): { ok: true; session: SessionData; unchanged: number } | { ok: false; issues: Issues; error: unknown } {
  const messagesIn =
    typeof value === 'object' && value !== null ? (value as { messages?: unknown }).messages : undefined;
  if (!Array.isArray(messagesIn)) {
    const result = SessionDataSchema.safeParse(value);
    return result.success
      ? { ok: true, session: result.data, unchanged: 0 }
      : { ok: false, issues: toIssues(result.error), error: result.error };
  }
  const issues: Issues = [];
  const { messages, unchanged, error } = parseMessageList(messagesIn, trusted, issues, known);
  const head = SessionDataSchema.safeParse({ ...(value as object), messages: [] });
  if (!head.success) issues.unshift(...toIssues(head.error));
  if (issues.length > 0 || !head.success) return { ok: false, issues, error: head.success ? error : head.error };
  head.data.messages = messages;
  return { ok: true, session: head.data, unchanged };
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
  const result = parseDocument(value, false, known);
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
  const { messages, error } = parseMessageList(value, false, issues);
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

/** Validates and serializes in one call: what `save` does before it touches storage. */
export function prepareSession(
  value: unknown,
  backend?: string,
  options?: EncodeOptions,
): { session: SessionData; json: string } {
  const session = parseSession(value, backend);
  return { session, json: encodeSession(session, options) };
}

export interface DecodeContext {
  backend?: string;
  /** The id the caller asked for, when known. */
  sessionId?: string | null;
  /** Where the bytes live (file path, key, row), named in SessionCorruptError. */
  record: string;
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
  parseMode.trustedJson = true;
  let result: ReturnType<typeof parseDocument>;
  try {
    result = parseDocument(value, true);
  } finally {
    parseMode.trustedJson = false;
  }
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
  return decodeSessionValue(parseJsonText(text, ctx), ctx);
}

/** Decodes one stored message (backends that keep messages apart from the document). */
export function decodeMessageValue(value: unknown, ctx: DecodeContext): Message {
  if (isCanonicalMessage(value, true)) return value as Message;
  parseMode.trustedJson = true;
  let result: ReturnType<typeof MessageSchema.safeParse>;
  try {
    result = MessageSchema.safeParse(value);
  } finally {
    parseMode.trustedJson = false;
  }
  if (!result.success)
    throw new SessionCorruptError(
      ctx.record,
      `a stored message does not match the schema (${result.error.issues[0]?.message})`,
      {
        backend: ctx.backend,
        sessionId: ctx.sessionId ?? null,
        issues: toIssues(result.error),
        cause: result.error,
      },
    );
  return result.data;
}
