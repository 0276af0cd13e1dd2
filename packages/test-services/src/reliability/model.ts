/**
 * Documents for the reliability tests, built without the conformance module (which loads vitest: too slow for
 * children started dozens of times). Every document is canonical, so a load must give it back deep-equal.
 */
import { createSession, type Message, type SessionData } from '@agent-sessions/core';

/** A user or assistant text message; its text identifies it. */
export function textMessage(i: number, text: string): Message {
  return { role: i % 2 === 0 ? 'user' : 'assistant', content: [{ type: 'text', text }] };
}

/** A canonical session with fixed timestamps. */
export function baseSession(id: string, name: string, messages: Message[] = []): SessionData {
  const session = createSession({ id, name, workspace: '/tmp/ws', now: 1_700_000_000 });
  session.updated_at = 1_700_000_000;
  session.messages.push(...messages);
  return session;
}

/** The text of every text block of a document, in order. */
export function textsOf(session: SessionData): string[] {
  return session.messages.flatMap((m) =>
    m.content.flatMap((block) => (block.type === 'text' ? [(block as { text: string }).text] : [])),
  );
}

/** The error's `code` (core errors carry one): children compare codes, not classes. */
export function errorCodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}
