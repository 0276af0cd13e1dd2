/** migrate through the real command: file → SQLite → PostgreSQL and Redis, verified, resumable. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionStore } from '@agent-sessions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, hasStackTrace, makeSession, openTestStore, runCli, seed, tempDir } from './helpers.js';
import { type Namespace, postgresNamespace, redisNamespace } from './services.js';

const COUNT = 40;
const dir = tempDir();
const fileUrl = `file:${join(dir.dir, 'source')}`;
const sqliteUrl = `sqlite:${join(dir.dir, 'middle.db')}`;
let source: SessionStore;

beforeAll(async () => {
  source = await openTestStore(fileUrl);
  await seed(source, COUNT);
});
afterAll(async () => {
  await source?.close();
  dir.remove();
});

async function expectSameSessions(a: SessionStore, b: SessionStore): Promise<void> {
  const ids = (await a.list()).sort();
  expect((await b.list()).sort()).toEqual(ids);
  for (const id of ids) expect(await b.load(id)).toEqual(await a.load(id));
}

const migrate = (from: string, to: string, ...extra: string[]) =>
  runCli(['migrate', '--from', from, '--to', to, ...extra]);

describe('migrate file → sqlite', () => {
  it('copies every session and verifies it', async () => {
    const r = await runCli(['migrate', '--from', fileUrl, '--to', sqliteUrl], {
      env: { AGENT_SESSIONS_PROGRESS: 'plain' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`copied ${COUNT}, skipped 0 (already equal), failed 0`);
    expect(r.stderr).toContain(`migrate: ${COUNT}/${COUNT} sessions (100%)`);
    expect(r.stderr).not.toContain('\r');
    const target = await openTestStore(sqliteUrl);
    await expectSameSessions(source, target);
    await target.close();
  });

  it('resumes: a second run skips equal sessions and copies only the changed one', async () => {
    await source.save(makeSession(5, { state: 'Completed', updated_at: 1_770_000_000 }));
    const r = await migrate(fileUrl, sqliteUrl);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`copied 1, skipped ${COUNT - 1} (already equal), failed 0`);
    const target = await openTestStore(sqliteUrl);
    expect((await target.load('s-0005'))?.state).toBe('Completed');
    await target.close();
  });

  it('a run killed part-way is finished by running it again', async () => {
    const targetUrl = `sqlite:${join(dir.dir, 'killed.db')}`;
    const killed = await runCli(['migrate', '--from', fileUrl, '--to', targetUrl], {
      env: { AGENT_SESSIONS_PROGRESS: 'plain' },
      killWhen: /\(20%\)/,
    });
    // Killed at 20 % (or, on a fast machine, finished before the kill landed).
    expect(killed.stderr).toContain('(20%)');
    const resumed = await migrate(fileUrl, targetUrl);
    expect(resumed.code).toBe(0);
    const counts = /copied (\d+), skipped (\d+) \(already equal\), failed 0/.exec(resumed.stdout);
    expect(counts).not.toBeNull();
    const [copied, skipped] = [Number(counts?.[1]), Number(counts?.[2])];
    expect(copied + skipped).toBe(COUNT);
    // Every session counted before the kill was verified in the target, so the second run skips it.
    expect(skipped).toBeGreaterThanOrEqual(COUNT * 0.2);
    const target = await openTestStore(targetUrl);
    await expectSameSessions(source, target);
    await target.close();
  });

  it('--dry-run reports and writes nothing', async () => {
    const emptyUrl = `sqlite:${join(dir.dir, 'dry.db')}`;
    const r = await migrate(fileUrl, emptyUrl, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`would copy ${COUNT}, skipped 0`);
    expect(r.stdout).toContain('dry run, nothing written');
    const target = await openTestStore(emptyUrl);
    expect(await target.list()).toEqual([]);
    await target.close();
  });

  it('reports a corrupt source session by name, copies the rest and exits 1', async () => {
    const brokenDir = join(dir.dir, 'broken');
    const broken = await openTestStore(`file:${brokenDir}`);
    await seed(broken, 3);
    await broken.close();
    // Valid JSON that is not a session: what a truncated edit by hand leaves behind.
    // (in the file store's default layout, v1/sessions/id_<base64url>.json)
    const brokenFile = `id_${Buffer.from('s-0001').toString('base64url')}.json`;
    writeFileSync(join(brokenDir, 'v1', 'sessions', brokenFile), '{"id":"s-0001","config":{}}');
    const targetUrl = `sqlite:${join(dir.dir, 'from-broken.db')}`;
    const r = await migrate(`file:${brokenDir}`, targetUrl);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed "s-0001"');
    expect(r.stderr).toContain(brokenFile);
    expect(r.stdout).toContain('copied 2, skipped 0 (already equal), failed 1');
  });

  it('a target that cannot be reached: one line, exit 1, no summary, no password', async () => {
    const r = await migrate(fileUrl, `redis://:secret-pw@127.0.0.1:${await closedPort()}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^agent-sessions: redis: \w+ failed: .*Check that the server is running/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).not.toContain('secret-pw');
  });

  it('refuses the same store on both sides', async () => {
    const r = await migrate(fileUrl, fileUrl);
    expect(r.code).toBe(2);
  });
});

describe.each([
  ['postgres', postgresNamespace],
  ['redis', redisNamespace],
])('migrate sqlite → %s', (_name, makeNamespace) => {
  let ns: Namespace;
  beforeAll(async () => {
    ns = await makeNamespace();
  });
  afterAll(async () => {
    await ns?.drop();
  });

  it('--dry-run writes no session and prints the URLs without their password', async () => {
    // The local servers take any password (PostgreSQL trusts local users, Redis has none set); a URL that already
    // carries one keeps it.
    const url = new URL(ns.url);
    if (url.password === '') url.password = 'pw-secret';
    const r = await migrate(sqliteUrl, url.href, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`would copy ${COUNT}, skipped 0`);
    expect(r.stdout).toContain(':***@');
    expect(r.stdout + r.stderr).not.toContain(url.password);
    const target = await openTestStore(ns.url);
    expect(await target.list()).toEqual([]);
    await target.close();
  });

  it('copies, verifies and on a second run skips everything', async () => {
    const first = await migrate(sqliteUrl, ns.url);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`copied ${COUNT}, skipped 0 (already equal), failed 0`);
    const middle = await openTestStore(sqliteUrl);
    const target = await openTestStore(ns.url);
    try {
      await expectSameSessions(middle, target);
      await expectSameSessions(source, target);
    } finally {
      await middle.close();
      await target.close();
    }
    const again = await migrate(sqliteUrl, ns.url);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`copied 0, skipped ${COUNT} (already equal), failed 0`);
  });
});
