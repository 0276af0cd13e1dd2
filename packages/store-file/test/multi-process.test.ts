/** Two processes writing one session of one folder: revisions stay atomic, nothing is lost or torn. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSession, type SessionData } from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { FileSessionStore, META_DIR } from '../src/index.js';
import { HOST_TAG } from '../src/layout.js';
import { tempRoot } from './helpers.js';
import { overwriteDocument } from './workers/documents.js';

const newDir = tempRoot('procs');
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const worker = fileURLToPath(new URL('./workers/writer.ts', import.meta.url));
const ROUNDS = 60;

interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  result: Promise<Record<string, unknown>>;
}

function startChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--conditions=@agent-sessions/source', '--import', 'tsx', worker, ...args], {
    cwd: packageDir,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  proc.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last));
      else reject(new Error(`worker ${args.join(' ')} exited with ${code}: ${err || out}`));
    });
  });
  result.catch(() => onReady());
  return { proc, ready, result };
}

/** Starts two workers, releases them together, and returns their results. */
async function race(
  mode: string,
  dir: string,
  id: string,
): Promise<[Record<string, unknown>, Record<string, unknown>]> {
  const children = [startChild([mode, dir, id, String(ROUNDS), 'A']), startChild([mode, dir, id, String(ROUNDS), 'B'])];
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.proc.stdin?.end('go\n');
  return (await Promise.all(children.map((c) => c.result))) as [Record<string, unknown>, Record<string, unknown>];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('two processes on one folder', () => {
  it('both save with the same expected revision each round: exactly one wins, the other conflicts', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    await store.save(createSession({ id: 'rounds', now: 1_700_000_000 }));
    // A lock left by a crashed writer: both children find it at once and must recover it without both winning.
    const crashed = spawnSync(process.execPath, ['-e', '']).pid as number;
    writeFileSync(join(dir, META_DIR, 'rounds.lock'), JSON.stringify({ pid: crashed, host: HOST_TAG, token: 'dead' }));
    const [a, b] = await race('rounds', dir, 'rounds');
    const winsA = a.wins as number[];
    const winsB = b.wins as number[];
    expect([...winsA, ...winsB].sort((x, y) => x - y)).toEqual(range(1, ROUNDS));
    expect((a.conflicts as number) + (b.conflicts as number)).toBe(ROUNDS);
    const final = await store.get('rounds');
    expect(final?.revision).toBe(ROUNDS + 1);
    const texts = (final as { session: SessionData }).session.messages.map(
      (m) => (m.content[0] as { text: string }).text,
    );
    expect(texts).toEqual(range(1, ROUNDS).map((r) => `${winsA.includes(r) ? 'A' : 'B'}:${r}`));
  });

  it('read-modify-save loops: every revision is won once and no update is lost', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    await store.save(createSession({ id: 'cas', now: 1_700_000_000 }));
    const [a, b] = await race('cas', dir, 'cas');
    const winsA = a.wins as number[];
    const winsB = b.wins as number[];
    const final = await store.get('cas');
    expect(final).not.toBeNull();
    const total = winsA.length + winsB.length;
    // A conflict of one child means the other won in between, so at least ROUNDS saves succeeded.
    expect(total).toBeGreaterThanOrEqual(ROUNDS);
    expect(winsA.length + (a.conflicts as number)).toBe(ROUNDS);
    expect(winsB.length + (b.conflicts as number)).toBe(ROUNDS);
    // Every revision was won by exactly one child.
    expect([...winsA, ...winsB].sort((x, y) => x - y)).toEqual(range(1, total));
    expect(final?.revision).toBe(total + 1);
    // The document holds every winning update, in revision order, each by its winner.
    const texts = (final as { session: SessionData }).session.messages.map(
      (m) => (m.content[0] as { text: string }).text,
    );
    const winner = (rev: number) => (winsA.includes(rev) ? 'A' : 'B');
    expect(texts).toEqual(range(1, total).map((rev) => `${winner(rev)}:${rev}`));
  });

  it('unconditional saves: every save gets its own revision and the final document is complete', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    await store.save(createSession({ id: 'over', now: 1_700_000_000 }));
    const [a, b] = await race('overwrite', dir, 'over');
    const revA = a.revisions as number[];
    const revB = b.revisions as number[];
    expect([...revA, ...revB].sort((x, y) => x - y)).toEqual(range(2, 2 * ROUNDS + 1));
    // Each child's own revisions rise.
    for (const revs of [revA, revB]) expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    const last = 2 * ROUNDS + 1;
    const [who, revs] = revA.includes(last) ? ['A', revA] : ['B', revB];
    const final = await store.get('over');
    expect(final).toEqual({ session: overwriteDocument('over', who, revs.indexOf(last)), revision: last });
  });

  it('concurrent appends from two processes keep every message', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    await store.save(createSession({ id: 'app', now: 1_700_000_000 }));
    const [a, b] = await race('append', dir, 'app');
    expect([...(a.revisions as number[]), ...(b.revisions as number[])].sort((x, y) => x - y)).toEqual(
      range(2, 2 * ROUNDS + 1),
    );
    const texts = ((await store.load('app')) as SessionData).messages.map(
      (m) => (m.content[0] as { text: string }).text,
    );
    expect(texts).toHaveLength(2 * ROUNDS);
    for (const who of ['A', 'B'])
      expect(texts.filter((t) => t.startsWith(`${who}:`))).toEqual(range(0, ROUNDS - 1).map((i) => `${who}:${i}`));
  });
});
