/** Listing a folder that other stores and other programs write. */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, type SessionData } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';
import { describe, expect, it } from 'vitest';
import { FileSessionStore } from '../src/index.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('listing');

function session(id: string, name: string, updatedAt: number, messages = 1): SessionData {
  const s = createSession({ id, name, now: 1_700_000_000 });
  s.updated_at = updatedAt;
  for (let i = 0; i < messages; i++) s.messages.push(makeMessage(i));
  return s;
}

describe('listSessions', () => {
  it('shows the new summary of a file another program rewrote, even at the same size', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    await store.save(session('a', 'aaaa', 100));
    await store.save(session('b', 'bbbb', 200));
    expect((await store.listSessions()).sessions.map((s) => [s.id, s.name])).toEqual([
      ['b', 'bbbb'],
      ['a', 'aaaa'],
    ]);
    // Same byte length, written in place right away: size and inode stay, mtime may not move.
    const rewritten = session('a', 'zzzz', 300);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(rewritten, null, 2));
    const { sessions } = await store.listSessions();
    expect(sessions.map((s) => [s.id, s.name, s.updated_at, s.revision])).toEqual([
      ['a', 'zzzz', 300, 2],
      ['b', 'bbbb', 200, 1],
    ]);
    // A different message count and size.
    writeFileSync(join(dir, 'b.json'), JSON.stringify(session('b', 'bbbb', 400, 7), null, 2));
    const again = await store.listSessions();
    expect(again.sessions.map((s) => [s.id, s.message_count])).toEqual([
      ['b', 7],
      ['a', 1],
    ]);
  });

  it('does not read again a file whose fingerprint is unchanged', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    await store.save(session('c', 'cached', 100));
    const path = join(dir, 'c.json');
    // Age the file so the cache may trust it (a fresh mtime could still change within one timestamp tick).
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    expect((await store.listSessions()).sessions[0]?.name).toBe('cached');
    // Same size, same inode, mtime put back: only a re-read could see the new name.
    const before = statSync(path, { bigint: true });
    const text = readFileSync(path, 'utf8').replace('"name": "cached"', '"name": "CACHED"');
    writeFileSync(path, text);
    utimesSync(path, old, old);
    const after = statSync(path, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
    expect((await store.listSessions()).sessions[0]?.name).toBe('cached');
    // load always reads the file.
    expect((await store.load('c'))?.config.name).toBe('CACHED');
  });

  it('pages through sessions in order and filters by parent', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    for (let i = 0; i < 7; i++) await store.save(session(`s${i}`, `n${i}`, 100 + (i % 3)));
    const child = createSession({ id: 'child', parentId: 's1' });
    await store.save(child);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['child', 's2', 's5', 's1', 's4', 's0', 's3', 's6']);
    expect((await store.listSessions({ parentId: 's1' })).sessions.map((s) => s.id)).toEqual(['child']);
  });
});

describe('several stores on one folder in one process', () => {
  it('see each other’s writes, deletes and revisions', async () => {
    const dir = newDir();
    const one = new FileSessionStore({ layout: 'legacy', dir });
    const two = new FileSessionStore({ layout: 'legacy', dir });
    await one.save(session('x', 'from one', 100));
    expect((await two.get('x'))?.revision).toBe(1);
    expect((await two.listSessions()).sessions.map((s) => s.name)).toEqual(['from one']);
    await two.save(session('x', 'from two', 101), { expectedRevision: 1 });
    expect(await one.get('x')).toEqual({ session: session('x', 'from two', 101), revision: 2 });
    expect((await one.listSessions()).sessions.map((s) => [s.name, s.revision])).toEqual([['from two', 2]]);
    await one.appendMessages('x', [makeMessage(5)]);
    expect((await two.load('x'))?.messages).toHaveLength(2);
    const both = await Promise.allSettled([
      one.save(session('x', 'race one', 102), { expectedRevision: 3 }),
      two.save(session('x', 'race two', 102), { expectedRevision: 3 }),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await two.delete('x')).toBe(true);
    expect(await one.exists('x')).toBe(false);
    expect(await one.list()).toEqual([]);
  });
});
