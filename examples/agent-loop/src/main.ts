/**
 * The quick-start job (`pnpm start`): an agent conversation over several turns with a scripted model (no API key,
 * no network), saved after each turn to the store named by SESSION_STORE_URL (default: the file store in
 * ./.sessions), then the store is reopened, the session resumed, the sessions listed and the saved conversation
 * printed. The session has a fixed id, so a rerun replaces it instead of adding another copy.
 */
import {
  createSession,
  DEFAULT_SESSION_STORE_URL,
  type Message,
  nowSeconds,
  openSessionStore,
  SESSION_STORE_URL_ENV,
  type SessionData,
} from '@agent-sessions/core';
import { printConversation } from './conversation.js';

const url = process.env[SESSION_STORE_URL_ENV] ?? DEFAULT_SESSION_STORE_URL;
/** One id for the demo's session: a rerun replaces it (and says so) instead of piling up copies. */
const DEMO_SESSION_ID = 'demo-fix-login-tests';

/** A scripted stand-in for the model: each user turn gets a tool call, a tool result and an answer. */
const script = [
  {
    ask: 'The login tests fail. Why?',
    tool: 'bash',
    input: { command: 'cargo test login' },
    result: 'test login_expired_token ... FAILED',
  },
  {
    ask: 'Show me the check.',
    tool: 'read',
    input: { file_path: 'src/auth.rs', offset: 80 },
    result: 'if token.exp < now {',
  },
  {
    ask: 'Fix it.',
    tool: 'edit',
    input: { file_path: 'src/auth.rs', old: 'exp < now', new: 'exp <= now' },
    result: 'edited 1 line',
  },
];

function turn(i: number): Message[] {
  const step = script[i]!;
  const callId = `toolu_${i}`;
  return [
    { role: 'user', content: [{ type: 'text', text: step.ask }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: callId, name: step.tool, input: step.input }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: callId, content: step.result, is_error: false }] },
    { role: 'assistant', content: [{ type: 'text', text: `Done with step ${i + 1}: ${step.result}` }] },
  ];
}

function account(session: SessionData, prompt: number, completion: number): void {
  const usage = session.total_usage;
  usage.prompt_tokens += prompt;
  usage.completion_tokens += completion;
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  session.total_cost = Math.round((session.total_cost + prompt * 3e-6 + completion * 15e-6) * 1e6) / 1e6;
  session.context_usage.used_tokens = usage.total_tokens;
  session.context_usage.turns += 1;
  session.context_usage.percent = usage.total_tokens / session.context_usage.max_tokens;
  session.updated_at = nowSeconds();
}

async function main(): Promise<void> {
  console.log(`store: ${url}`);
  console.log('model: scripted (a fixed conversation stands in for the model: no API key, no network)\n');
  let store = await openSessionStore(url);
  const session = createSession({
    id: DEMO_SESSION_ID,
    name: 'fix-login-tests',
    model: 'claude-sonnet-4',
    toolNames: ['bash', 'read', 'edit'],
  });

  // A rerun starts the demo's session over, in place: the revision check is against what the last run left.
  const previous = await store.get(DEMO_SESSION_ID);
  if (previous) console.log(`rerun: replacing the demo session saved last time (revision ${previous.revision})`);
  let revision = (await store.save(session, { expectedRevision: previous?.revision ?? 0 })).revision;
  for (let i = 0; i < script.length - 1; i++) {
    session.messages.push(...turn(i));
    account(session, 1200 * (i + 1), 150);
    revision = (await store.save(session, { expectedRevision: revision })).revision;
    console.log(`turn ${i + 1}: saved ${session.messages.length} messages at revision ${revision}`);
  }
  await store.close();

  // A new process would do exactly this: open the store again and resume where the last turn ended.
  store = await openSessionStore(url);
  const resumed = await store.get(session.id);
  if (!resumed) throw new Error(`session ${session.id} was not found after reopening the store`);
  console.log(
    `resumed "${resumed.session.config.name}" at revision ${resumed.revision} with ${resumed.session.messages.length} messages`,
  );
  const last = turn(script.length - 1);
  const appended = await store.appendMessages(session.id, last, { expectedRevision: resumed.revision });
  console.log(`turn ${script.length}: appended ${last.length} messages at revision ${appended.revision}`);

  const { sessions } = await store.listSessions({ limit: 5 });
  console.log('\nrecent sessions:');
  for (const s of sessions)
    console.log(
      `  ${s.id}  ${s.name.padEnd(18)} ${s.state.padEnd(9)} ${String(s.message_count).padStart(3)} messages  rev ${s.revision}`,
    );
  const saved = await store.load(DEMO_SESSION_ID);
  await store.close();
  if (saved) printConversation(saved);
  const storeOption = process.env[SESSION_STORE_URL_ENV] ? ` --store '${url}'` : '';
  console.log(`\nsee it again: pnpm cli show ${DEMO_SESSION_ID}${storeOption}   (pnpm cli ls lists every session)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
