import { createSession, type SessionData } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';

/** The document a child writes unconditionally on its i-th save: complete, and recognisable by label and i. */
export function overwriteDocument(sessionId: string, who: string, i: number): SessionData {
  const session = createSession({ id: sessionId, name: `${who}:${i}`, workspace: '/ws', now: 1_700_000_000 });
  for (let m = 0; m < 50; m++) session.messages.push(makeMessage(m, `${who}:${i}:${m} ${'y'.repeat(300)}`));
  return session;
}
