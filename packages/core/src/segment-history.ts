/**
 * The history operations over split storage: which stored segments a slice, a truncate or a fork reads, what it
 * decodes of them, and what a truncate writes (the one segment it cuts, rewritten to the messages it keeps). The
 * segments are what an adapter's `readSegments` returned; nothing here does I/O.
 */
import { type DecodeContext, decodeSessionValue } from './codec.js';
import { SessionCorruptError } from './errors.js';
import { type HeadSummary, headSummary } from './listing.js';
import type { Message, SessionData } from './schema.js';
import { documentBytesOf, headJsonOf, joinSession, parseSegments, segmentText } from './segments.js';

import { mayHoldLoneSurrogate } from './text.js';

/** One stored segment: `count` messages from index `start`, their texts joined by commas. */
export interface StoredSegment {
  start: number;
  count: number;
  text: string;
  /** The adapter's handle for it (a sequence number, a list index), handed back in a truncate. */
  ref: number;
}

/** The messages `[from, to)` out of segments that cover them, decoded with the schema (with the head). */
export function sliceSegments(
  head: SessionData,
  segments: readonly StoredSegment[],
  range: { from: number; to: number },
  ctx: DecodeContext,
): Message[] {
  const id = head.id;
  const raw: unknown[] = [];
  let text = '';
  for (const segment of segments) {
    const values = parseSegments(segment.text, segment.count, id, ctx);
    const lo = Math.max(range.from - segment.start, 0);
    const hi = Math.min(range.to - segment.start, segment.count);
    if (hi > lo) {
      raw.push(...values.slice(lo, hi));
      text += segment.text;
    }
  }
  if (raw.length !== range.to - range.from)
    throw new SessionCorruptError(ctx.record, `its segments do not hold messages ${range.from} to ${range.to}`, {
      backend: ctx.backend,
      sessionId: id,
    });
  const { messages: _none, ...rest } = head;
  const decoded = decodeSessionValue(joinSession(rest, raw as Message[]), {
    ...ctx,
    escapes: mayHoldLoneSurrogate(text),
  });
  return decoded.messages;
}

/** A truncate planned over the stored segments that hold the kept messages. */
export interface TruncatePlan {
  /** The segment holding the last kept message, rewritten to hold only kept ones; null when none is kept. */
  cut: { ref: number; count: number; text: string } | null;
  /** Every kept message's text joined by commas. */
  keptText: string;
}

/** Plans keeping the first `keep` messages out of `segments` (which cover `[0, keep)`, in order). */
export function planTruncate(
  segments: readonly StoredSegment[],
  keep: number,
  id: string,
  ctx: DecodeContext,
): TruncatePlan {
  if (keep === 0) return { cut: null, keptText: '' };
  const texts: string[] = [];
  let cut: TruncatePlan['cut'] = null;
  for (const segment of segments) {
    if (segment.start >= keep) break;
    if (segment.start + segment.count <= keep) {
      texts.push(segment.text);
      cut = { ref: segment.ref, count: segment.count, text: segment.text };
      continue;
    }
    // The segment the cut falls in: its kept messages, re-serialized (stored texts are JSON.stringify output).
    const values = parseSegments(segment.text, segment.count, id, ctx) as Message[];
    const text = segmentText(values, 0, keep - segment.start);
    texts.push(text);
    cut = { ref: segment.ref, count: keep - segment.start, text };
  }
  return { cut, keptText: texts.join(',') };
}

/** The head, summary and size of a session whose head is `head` and whose messages' joined texts are `text`. */
export function headParts(
  head: SessionData,
  text: string,
): { headJson: string; summary: HeadSummary; documentBytes: number } {
  const headJson = headJsonOf(head);
  return {
    headJson,
    summary: headSummary(head),
    documentBytes: documentBytesOf(headJson, Buffer.byteLength(text, 'utf8')),
  };
}
