/**
 * Appends reuse the document the store wrote by the previous append (so an agent loop parses nothing), but only
 * while the file is that very version: every change elsewhere is read, and callers' objects are never kept.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, type Message, type SessionData, SessionNotFoundError } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';
import { describe, expect, it } from 'vitest';
import { FileSessionStore } from '../src/index.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('append-reuse');

function a3sSave(dir: string, session: SessionData): void {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${session.id}.json`);
  writeFileSync(`${target}.tmp`, JSON.stringify(session, null, 2));
  renameSync(`${target}.tmp`, target);
}

describe('file: appendMessages after appendMessages', () => {
  it('a message object the caller changes after appending is not what the next append writes', async () => {
    const store = new FileSessionStore({ dir: newDir() });
    await store.save(createSession({ id: 'own' }));
    const mine: Message = { role: 'user', content: [{ type: 'text', text: 'first' }] };
    await store.appendMessages('own', [mine]);
    (mine.content[0] as { text: string }).text = 'changed by the caller';
    await store.appendMessages('own', [makeMessage(1)]);
    const fresh = new FileSessionStore({ dir: store.dir });
    expect((await fresh.load('own'))?.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'first' }] },
      makeMessage(1),
    ]);
  });

  it('a file another program rewrote between two appends is read again: its change is kept', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    await store.save(createSession({ id: 'shared' }));
    await store.appendMessages('shared', [makeMessage(1)]);
    const loaded = (await store.load('shared')) as SessionData;
    a3sSave(dir, {
      ...loaded,
      config: { ...loaded.config, name: 'renamed by a3s-code' },
      messages: [...loaded.messages, makeMessage(2)],
    });
    const { revision } = await store.appendMessages('shared', [makeMessage(3)]);
    const after = await store.get('shared');
    expect(after?.revision).toBe(revision);
    expect(after?.session.config.name).toBe('renamed by a3s-code');
    expect(after?.session.messages).toEqual([makeMessage(1), makeMessage(2), makeMessage(3)]);
  });

  it('a save or another store instance in between is seen, and revisions stay exact', async () => {
    const dir = newDir();
    const a = new FileSessionStore({ dir });
    const b = new FileSessionStore({ dir });
    await a.save(createSession({ id: 'two' }));
    expect(await a.appendMessages('two', [makeMessage(1)])).toEqual({ revision: 2 });
    expect(await b.appendMessages('two', [makeMessage(2)])).toEqual({ revision: 3 });
    expect(await a.appendMessages('two', [makeMessage(3)])).toEqual({ revision: 4 });
    const doc = (await b.load('two')) as SessionData;
    await a.save({ ...doc, messages: doc.messages.slice(0, 1) });
    expect(await a.appendMessages('two', [makeMessage(4)])).toEqual({ revision: 6 });
    expect((await b.load('two'))?.messages).toEqual([makeMessage(1), makeMessage(4)]);
  });

  it('after a delete, appending is SessionNotFoundError and creates nothing', async () => {
    const store = new FileSessionStore({ dir: newDir() });
    await store.save(createSession({ id: 'gone' }));
    await store.appendMessages('gone', [makeMessage(1)]);
    await store.delete('gone');
    await expect(store.appendMessages('gone', [makeMessage(2)])).rejects.toBeInstanceOf(SessionNotFoundError);
    expect(await store.exists('gone')).toBe(false);
  });
});
