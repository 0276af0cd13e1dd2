/**
 * Revisions when another program (a3s-code, an editor) writes the folder: it knows nothing of revisions, so a
 * document that no longer matches its revision record counts as changed by someone else.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, SessionConflictError, type SessionData } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';
import { describe, expect, it } from 'vitest';
import { FileSessionStore, META_DIR } from '../src/index.js';
import { readRecord } from '../src/revision-record.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('foreign');

/** What a3s-code does on save: write a temp file, rename it over the document. */
function a3sSave(dir: string, session: SessionData): void {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${session.id}.json`);
  const temp = `${target}.${process.hrtime.bigint()}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(session, null, 2));
  renameSync(temp, target);
}

function edited(session: SessionData, name: string): SessionData {
  return { ...session, config: { ...session.config, name }, messages: [...session.messages, makeMessage(9)] };
}

async function conflictOf(promise: Promise<unknown>): Promise<SessionConflictError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionConflictError);
  return error as SessionConflictError;
}

describe('documents changed by another program', () => {
  it('a rewrite advances the revision, so a writer holding the old one conflicts', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 's1' });
    expect(await store.save(doc)).toEqual({ revision: 1 });
    const theirs = edited(doc, 'by a3s-code');
    a3sSave(dir, theirs);
    // No read in between: the write path itself notices.
    const error = await conflictOf(store.save(edited(doc, 'stale'), { expectedRevision: 1 }));
    expect(error.currentRevision).toBe(2);
    expect(await store.get('s1')).toEqual({ session: theirs, revision: 2 });
    expect(await store.save(edited(theirs, 'mine'), { expectedRevision: 2 })).toEqual({ revision: 3 });
  });

  it('each version another program writes counts once it has been read', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 's2' });
    await store.save(doc);
    a3sSave(dir, edited(doc, 'v2'));
    expect((await store.get('s2'))?.revision).toBe(2);
    a3sSave(dir, edited(doc, 'v3'));
    expect((await store.get('s2'))?.revision).toBe(3);
    await conflictOf(store.save(doc, { expectedRevision: 2 }));
    const { sessions } = await store.listSessions();
    expect(sessions.map((s) => [s.name, s.revision])).toEqual([['v3', 3]]);
  });

  it('a rewrite in place (fs.writeFile, same inode) is noticed too', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 's3' });
    await store.save(doc);
    writeFileSync(join(dir, 's3.json'), JSON.stringify(edited(doc, 'edited in place'), null, 2));
    const error = await conflictOf(store.save(doc, { expectedRevision: 1 }));
    expect(error.currentRevision).toBe(2);
    expect((await store.load('s3'))?.config.name).toBe('edited in place');
  });

  it('a session another program created starts at revision 1', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 'theirs' });
    a3sSave(dir, doc);
    expect(await store.get('theirs')).toEqual({ session: doc, revision: 1 });
    await conflictOf(store.save(doc, { expectedRevision: 0 }));
    expect(await store.save(edited(doc, 'mine'), { expectedRevision: 1 })).toEqual({ revision: 2 });
  });

  it('our delete removes the revision record, so a re-created session starts at 1', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 's4' });
    await store.save(doc);
    await store.save(doc);
    expect(existsSync(join(dir, META_DIR, 's4.rev'))).toBe(true);
    expect(await store.delete('s4')).toBe(true);
    expect(existsSync(join(dir, META_DIR, 's4.rev'))).toBe(false);
    expect(await store.save(doc, { expectedRevision: 0 })).toEqual({ revision: 1 });
  });

  it('a delete by another program makes the session missing; creating it again starts at 1', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 's5' });
    await store.save(doc);
    await store.save(doc);
    rmSync(join(dir, 's5.json'));
    expect(await store.get('s5')).toBeNull();
    expect(await store.exists('s5')).toBe(false);
    expect((await conflictOf(store.save(doc, { expectedRevision: 2 }))).currentRevision).toBeNull();
    expect(await store.save(doc, { expectedRevision: 0 })).toEqual({ revision: 1 });
    expect(await store.get('s5')).toEqual({ session: doc, revision: 1 });
  });

  it('the revision record lives beside the document and never inside what load returns', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 's6' });
    await store.save(doc);
    await store.appendMessages('s6', [makeMessage(0)]);
    expect(readRecord(join(dir, META_DIR, 's6.rev'))?.revision).toBe(2);
    const loaded = await store.load('s6');
    expect(loaded).toEqual({ ...doc, messages: [makeMessage(0)] });
    expect(Object.keys(loaded as object)).not.toContain('revision');
  });
});
