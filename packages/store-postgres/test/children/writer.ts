/**
 * One writer process: a conditional save against revision 1 of "cas", `n` appends to "log" and `n` unconditional
 * saves of "doc". Prints what each call returned.
 */
import { createSession, type Message, type SessionData } from '@agent-sessions/core/adapter';
import { PostgresSessionStore } from '../../src/index.js';
import { readyAndWait } from './start.js';

// Not the conformance helpers: they import vitest, which only loads inside a test run.
function makeMessage(i: number, text: string): Message {
  return { role: i % 2 ? 'assistant' : 'user', content: [{ type: 'text', text }] };
}

function makeSession(id: string, options: { name: string; messages?: number }): SessionData {
  const session = createSession({ id, name: options.name, workspace: '/tmp/ws', now: 1_700_000_000 });
  for (let i = 0; i < (options.messages ?? 0); i++) session.messages.push(makeMessage(i, `message ${i}`));
  return session;
}

const [url, schema, table, name, count] = process.argv.slice(2) as [string, string, string, string, string];
const n = Number(count);
const store = new PostgresSessionStore({ connectionString: url, schema, table, poolConfig: { max: 2 } });
await store.migrate();
await readyAndWait();
try {
  let cas: string;
  try {
    await store.save(makeSession('cas', { name: `won by ${name}` }), { expectedRevision: 1 });
    cas = 'won';
  } catch (error) {
    cas = `${(error as Error).name}:${(error as { currentRevision?: number }).currentRevision}`;
  }
  const appends: number[] = [];
  const saves: number[] = [];
  for (let i = 0; i < n; i++) {
    appends.push((await store.appendMessages('log', [makeMessage(i, `${name} ${i}`)])).revision);
    saves.push((await store.save(makeSession('doc', { name: `${name} ${i}`, messages: i }))).revision);
  }
  console.log(JSON.stringify({ cas, appends, saves }));
} finally {
  await store.close();
}
