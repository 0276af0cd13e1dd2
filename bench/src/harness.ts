/** Measurement helpers shared by the comparisons: timing, documents, result records. */

import type { Message, SessionData } from '@agent-sessions/core';
import { makeMessage, makeSession } from '@agent-sessions/core/conformance';

export interface Measurement {
  /** Mean time of one operation in milliseconds. */
  ms: number;
  ops: number;
}

/** Runs `fn` for at least `minMs` after a warm-up, sequentially, and returns the mean time per call. */
export async function measure(
  fn: (i: number) => Promise<unknown> | unknown,
  opts: { minMs?: number; minOps?: number; warmup?: number } = {},
): Promise<Measurement> {
  const { minMs = 1500, minOps = 20, warmup = 5 } = opts;
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0;
  while (ops < minOps || elapsed < minMs) {
    await fn(ops++);
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { ms: elapsed / ops, ops };
}

/**
 * Measures several subjects side by side: `rounds` rounds, each running every subject for about `roundMs` in turn
 * (the order rotates), and the median per subject. Alternating rounds spread the machine's noise (other processes,
 * GC, CPU frequency) over every subject instead of letting it land on one.
 */
export async function measureAlternating(
  subjects: Record<string, (i: number) => Promise<unknown> | unknown>,
  opts: { rounds?: number; roundMs?: number; warmup?: number } = {},
): Promise<Record<string, number>> {
  const { rounds = 5, roundMs = 300, warmup = 3 } = opts;
  const names = Object.keys(subjects);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  let counter = 0;
  for (const name of names) for (let i = 0; i < warmup; i++) await subjects[name]!(counter++);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const start = process.hrtime.bigint();
      let ops = 0;
      let elapsed = 0;
      while (ops < 3 || elapsed < roundMs) {
        await subjects[name]!(counter++);
        ops++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      }
      samples[name]!.push(elapsed / ops);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A message of about 500 bytes: user text, assistant tool call, or tool result, by position. */
export function benchMessage(i: number): Message {
  return makeMessage(i, `turn ${i}: `.padEnd(400, 'the quick brown fox jumps over the lazy dog '));
}

/** A session with `count` messages of about 500 bytes each. */
export function benchSession(id: string, count: number): SessionData {
  const doc = makeSession(id, { messages: 0, updatedAt: 1_700_000_000 });
  for (let i = 0; i < count; i++) doc.messages.push(benchMessage(i));
  return doc;
}

export const SIZES = [10, 200, 5000] as const;

/** How the documents a comparison saves are shaped. */
export type Shape = 'canonical' | 'application';
export const SHAPES: readonly Shape[] = ['application', 'canonical'];

/**
 * A message as an application builds it: every assistant message carries `reasoning_content: null` (the type allows
 * it; the wire format omits it) and a tool result with no error flag leaves `is_error` out (its read default).
 */
export function appMessage(m: Message): Message {
  const content = m.content.map((b) => {
    if (b.type !== 'tool_result' || b.is_error !== null) return b;
    const { is_error: _none, ...rest } = b;
    return rest as typeof b;
  });
  return { role: m.role, content, reasoning_content: null } as unknown as Message;
}

/**
 * The application's own session object: its messages as appMessage builds them, and `null` for the keys the wire
 * format omits when empty (model_name, llm_config, parent_id, config.parent_id), so it is not in canonical form.
 */
export function appShaped(doc: SessionData): SessionData {
  return {
    ...doc,
    model_name: doc.model_name ?? null,
    llm_config: doc.llm_config ?? null,
    parent_id: doc.parent_id ?? null,
    config: { ...doc.config, parent_id: doc.config.parent_id ?? null, queue_config: doc.config.queue_config ?? null },
    messages: doc.messages.map(appMessage),
  } as unknown as SessionData;
}

/** A message or a document in the given shape. */
export function shaped<T extends SessionData | Message>(value: T, shape: Shape): T {
  if (shape === 'canonical') return value;
  return ('messages' in value ? appShaped(value as SessionData) : appMessage(value as Message)) as T;
}

/** One row of a results table. */
export interface Row {
  comparison: string;
  subject: string;
  operation: string;
  messages?: number;
  ms: number;
  /** Throughput relative to the baseline of the same operation (1 = equal; higher is faster). */
  vsBaseline?: number;
  /** The documents saved: canonical (what load returns) or an application's own objects. */
  shape?: Shape;
  note?: string;
}

/** Prints the rows as JSON on stdout: the runner collects them. */
export function report(rows: Row[]): void {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

/** Adds `vsBaseline` (baseline ms / subject ms) to each row of an operation and size. */
export function withRatios(rows: Row[], baseline: string): Row[] {
  return rows.map((row) => {
    const base = rows.find(
      (r) =>
        r.subject === baseline && r.operation === row.operation && r.messages === row.messages && r.shape === row.shape,
    );
    return base ? { ...row, vsBaseline: base.ms / row.ms } : row;
  });
}
