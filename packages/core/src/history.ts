/**
 * The rules of the history operations (`loadMessages`, `truncateMessages`, `forkSession`) that every backend shares:
 * the argument checks, which part of the history a window selects, and the documents a truncate or a fork produces.
 * Stores apply them; none re-implements them.
 */
import { InvalidArgumentError } from './errors.js';
import { assertValidSessionId } from './ids.js';
import { resolveExpectedRevision } from './revisions.js';
import type { Message, SessionData } from './schema.js';

/** Which messages `loadMessages` returns: the last `n`, or `limit` of them (default: all) from index `from`. */
export type MessageWindow = { last: number } | { from: number; limit?: number };

/** A window checked by `resolveWindow`: `to` null means "to the end". */
export type ResolvedWindow = { last: number } | { from: number; to: number | null };

/** What `loadMessages` returns. */
export interface MessageSlice {
  /** The selected messages, in order. */
  messages: Message[];
  /** How many messages the stored history holds. */
  total: number;
  /** Index of the first returned message in the history. */
  from: number;
  revision: number;
}

/** Options of `truncateMessages`. */
export interface TruncateOptions {
  /** Truncate only when the stored revision equals this. */
  expectedRevision?: number;
}

/** Options of `forkSession`. */
export interface ForkOptions {
  /** Copy the first `atMessage` messages of the source (default: all). */
  atMessage?: number;
  /** Fork only when the source's stored revision equals this. */
  expectedRevision?: number;
}

/** A fork checked by `resolveFork`. */
export interface ResolvedFork {
  at: number | null;
  expectedRevision: number | undefined;
}

function count(name: string, value: unknown, backend: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(name, `expected an integer ≥ 0, got ${String(value)}`, { backend });
  return value;
}

function objectOption(value: unknown, example: string, backend: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError('options', `expected an object such as ${example}`, { backend });
  return value as Record<string, unknown>;
}

/** Checks a `loadMessages` window (default: the whole history). */
export function resolveWindow(window: unknown, backend: string): ResolvedWindow {
  const w = objectOption(window, '{ last: 20 } or { from: 0, limit: 20 }', backend);
  if (w === undefined) return { from: 0, to: null };
  if ('last' in w) {
    if ('from' in w || 'limit' in w)
      throw new InvalidArgumentError('window', 'give either { last } or { from, limit }, not both', { backend });
    return { last: count('last', w.last, backend) };
  }
  const from = count('from', w.from ?? 0, backend);
  const limit = w.limit === undefined ? null : count('limit', w.limit, backend);
  return { from, to: limit === null ? null : from + limit };
}

/** The index range `[from, to)` a window selects in a history of `total` messages (clamped to it). */
export function windowRange(window: ResolvedWindow, total: number): { from: number; to: number } {
  if ('last' in window) return { from: Math.max(0, total - window.last), to: total };
  const from = Math.min(window.from, total);
  return { from, to: Math.min(window.to ?? total, total) };
}

/** Checks `truncateMessages` arguments; returns the expected revision. */
export function resolveTruncate(keep: unknown, opts: unknown, backend: string): number | undefined {
  count('keep', keep, backend);
  return resolveExpectedRevision(objectOption(opts, '{ expectedRevision: 3 }', backend), backend);
}

/** Checks `forkSession` arguments. */
export function resolveFork(sourceId: unknown, newId: unknown, opts: unknown, backend: string): ResolvedFork {
  assertValidSessionId(sourceId, backend);
  assertValidSessionId(newId, backend);
  if (sourceId === newId)
    throw new InvalidArgumentError('newId', 'a fork needs an id of its own, not the source id', { backend });
  const o = objectOption(opts, '{ atMessage: 10 }', backend);
  const at = o?.atMessage === undefined ? null : count('atMessage', o.atMessage, backend);
  return { at, expectedRevision: resolveExpectedRevision(o as { expectedRevision?: number }, backend) };
}

/** InvalidArgumentError unless `n` messages (a keep or a fork point) lie within a history of `total`. */
export function assertWithinHistory(name: string, n: number, total: number, id: string, backend: string): void {
  if (n > total)
    throw new InvalidArgumentError(name, `${n} is beyond the ${total} messages session "${id}" holds`, {
      backend,
      sessionId: id,
    });
}

/** Seconds since the epoch, never before `previous` (a clock behind a stored time must not move it back). */
export function touchedAt(previous: number): number {
  return Math.max(previous, Math.floor(Date.now() / 1000));
}

/** The document a truncate to `keep` messages stores. */
export function truncatedDocument(session: SessionData, keep: number): SessionData {
  return { ...session, messages: session.messages.slice(0, keep), updated_at: touchedAt(session.updated_at) };
}

/** The head fields a fork changes: its id, its parent, and its times. */
export function forkedHead<H extends { id: string; created_at: number; updated_at: number }>(
  head: H,
  newId: string,
  sourceId: string,
): H & { parent_id: string } {
  const now = Math.floor(Date.now() / 1000);
  return { ...head, id: newId, parent_id: sourceId, created_at: now, updated_at: now };
}

/** The document `forkSession` stores: the source's head under the new id, and its first `at` messages. */
export function forkedDocument(source: SessionData, newId: string, at: number): SessionData {
  return { ...forkedHead(source, newId, source.id), messages: source.messages.slice(0, at) } as SessionData;
}
