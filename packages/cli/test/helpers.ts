/** Drives the real `agent-sessions` command as a child process, and builds sessions for it to work on. */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createSession,
  type Message,
  parseStoreUrl,
  type SessionData,
  type SessionStore,
} from '@agent-sessions/core/adapter';

export const PKG_DIR = fileURLToPath(new URL('..', import.meta.url));
// An absolute URL, so that children started in a folder without node_modules still find tsx.
export const TSX_LOADER = pathToFileURL(
  join(dirname(createRequire(join(PKG_DIR, 'package.json')).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed. */
  input?: string;
  /** A file the child reads as its stdin, as `agent-sessions import < FILE` in a shell gives it (not a pipe). */
  stdinFile?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the child (SIGKILL, as a crash or a power cut would) as soon as its stderr matches. */
  killWhen?: RegExp;
  /** Kill the child after this long (a hang fails the test instead of stalling the run). Default 45 s (below the test timeout). */
  timeoutMs?: number;
}

/** Runs `agent-sessions <args>` from TypeScript sources, as a user would run the built command. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, AGENT_SESSIONS_PROGRESS: 'off' };
  delete env.SESSION_STORE_URL;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const stdinFd = options.stdinFile === undefined ? null : openSync(options.stdinFile, 'r');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@agent-sessions/source', '--import', TSX_LOADER, join(PKG_DIR, 'src/bin.ts'), ...args],
      { cwd: options.cwd ?? PKG_DIR, env, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] },
    );
    // The child holds its own copy of the descriptor.
    if (stdinFd !== null) closeSync(stdinFd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => {
      err.push(c);
      if (options.killWhen?.test(Buffer.concat(err).toString('utf8'))) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** Opens a store in the test process (the packages are imported directly: vitest resolves them to sources). */
export async function openTestStore(url: string): Promise<SessionStore> {
  const parsed = parseStoreUrl(url);
  const modules: Record<
    string,
    () => Promise<{ openFromUrl(u: typeof parsed): SessionStore | Promise<SessionStore> }>
  > = {
    file: () => import('@agent-sessions/store-file'),
    sqlite: () => import('@agent-sessions/store-sqlite'),
    postgres: () => import('@agent-sessions/store-postgres'),
    redis: () => import('@agent-sessions/store-redis'),
  };
  const load = modules[parsed.scheme];
  if (!load) throw new Error(`no test store for ${url}`);
  return (await load()).openFromUrl(parsed);
}

/** A temporary folder removed by the returned function. */
export function tempDir(prefix = 'agent-sessions-cli-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A conversation turn with a tool call and its result: a mix of text, tool_use and tool_result blocks. */
export function turn(n: number, tool = 'read_file'): Message[] {
  const useId = `toolu_${n}`;
  return [
    { role: 'user', content: [{ type: 'text', text: `Question ${n}: what is in notes-${n}.md?` }] },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: `Let me look at notes-${n}.md.` },
        { type: 'tool_use', id: useId, name: tool, input: { path: `notes-${n}.md`, lines: [1, 20] } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: useId, content: `# Notes ${n}\n- ünïcødé ✓ line`, is_error: false },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: `The file has a heading and one line (${n}).` }] },
  ] as Message[];
}

/** A realistic session: turns, usage, a cost record, a task; `updated_at` spreads sessions apart in time. */
export function makeSession(i: number, overrides: Partial<SessionData> = {}): SessionData {
  const base = createSession({
    id: `s-${String(i).padStart(4, '0')}`,
    name: `Session ${i}`,
    workspace: '/work/app',
    model: 'claude-test',
    now: 1_760_000_000 + i,
  });
  return {
    ...base,
    messages: [...turn(i), ...(i % 3 === 0 ? turn(i + 1000, 'bash') : [])],
    total_usage: {
      prompt_tokens: 1200 + i,
      completion_tokens: 300,
      total_tokens: 1500 + i,
      cache_read_tokens: 10,
      cache_write_tokens: null,
    },
    total_cost: 0.0123,
    cost_records: [
      {
        model: 'claude-test',
        provider: 'anthropic',
        prompt_tokens: 1200 + i,
        completion_tokens: 300,
        total_tokens: 1500 + i,
        cost_usd: 0.0123,
        timestamp: '2026-11-25T09:00:00Z',
        session_id: `s-${String(i).padStart(4, '0')}`,
      },
    ],
    tasks: [{ id: 't1', content: 'Read the notes', status: 'completed', priority: 'medium' }],
    tool_names: ['read_file', 'bash'],
    ...overrides,
  } as SessionData;
}

/** Saves sessions `from..to-1` with a few saves in flight. */
export async function seed(store: SessionStore, count: number, start = 0): Promise<SessionData[]> {
  const sessions = Array.from({ length: count }, (_, k) => makeSession(start + k));
  for (let k = 0; k < sessions.length; k += 16) await Promise.all(sessions.slice(k, k + 16).map((s) => store.save(s)));
  return sessions;
}

/** True when `text` shows no stack trace. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+[:(]/.test(text);
}

/** A local port nobody listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
