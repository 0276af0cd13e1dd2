/**
 * The documents of the crash tests: generation g of a session is a pure function of its id and g, so the parent
 * can tell a complete committed version (exactly `versionAt(id, g)` for some g it was told about) from anything
 * else. Generations 1, 7, 13, ... save the whole document with every one of its 2,000 messages rewritten; 4, 10,
 * 16, ... save it with a new name and the same messages (the stores' "only the tail changed" path); every other
 * generation appends two messages.
 */
import type { Message, SessionData } from '@agent-sessions/core';
import { baseSession, textMessage } from './model.js';

export const BASE_MESSAGES = 2000;

export type CrashStep = 'save-all' | 'save-name' | 'append';

export function stepAt(g: number): CrashStep {
  if (g % 3 !== 1) return 'append';
  return g % 6 === 1 ? 'save-all' : 'save-name';
}

/** The two messages generation `g` appends. */
export function appendedAt(id: string, g: number): Message[] {
  return [textMessage(0, `${id} g${g} a0`), textMessage(1, `${id} g${g} a1`)];
}

export function versionAt(id: string, g: number): SessionData {
  if (!Number.isSafeInteger(g) || g < 1) throw new Error(`no generation ${g}`);
  const step = stepAt(g);
  if (step === 'save-all') {
    const pad = 'x'.repeat(80);
    const messages = Array.from({ length: BASE_MESSAGES }, (_, i) => textMessage(i, `${id} r${g} m${i} ${pad}`));
    return baseSession(id, `${id} g${g}`, messages);
  }
  const previous = versionAt(id, g - 1);
  if (step === 'save-name') return { ...previous, config: { ...previous.config, name: `${id} g${g}` } };
  return { ...previous, messages: [...previous.messages, ...appendedAt(id, g)] };
}

/** The generation a stored document claims (NaN when it claims none): its name, or its last appended message. */
export function generationOf(session: SessionData): number {
  const named = /^.* g(\d+)$/.exec(session.config.name ?? '');
  const last = session.messages.at(-1)?.content[0] as { text?: string } | undefined;
  const appended = / g(\d+) a1$/.exec(last?.text ?? '');
  return Math.max(named ? Number(named[1]) : Number.NaN, appended ? Number(appended[1]) : 0);
}
