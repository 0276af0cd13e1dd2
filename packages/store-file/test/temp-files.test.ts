/** Atomic replace leaves no temp files behind, readers never see half a document, and only our stale temps go. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSession, type SessionData } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';
import { describe, expect, it, vi } from 'vitest';
import { FileSessionStore, META_DIR } from '../src/index.js';
import { HOST_TAG } from '../src/layout.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('temp');

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid as number;
}

function withMessages(id: string, count: number, text: string): SessionData {
  const session = createSession({ id, now: 1_700_000_000 });
  for (let i = 0; i < count; i++) session.messages.push(makeMessage(i, `${text} ${i} ${'x'.repeat(400)}`));
  return session;
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

describe('temp files', () => {
  it('saves, appends and deletes leave only documents and the metadata folder', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    await Promise.all(['a', 'b', 'c'].map((id) => store.save(createSession({ id }))));
    await store.appendMessages('a', [makeMessage(0)]);
    await store.delete('c');
    expect(readdirSync(dir).sort()).toEqual([META_DIR, 'a.json', 'b.json']);
    expect(readdirSync(join(dir, META_DIR)).sort()).toEqual(['a.rev', 'b.rev']);
  });

  it('fsyncs the new document before the rename and the folder after it; fsync: false skips both', async () => {
    const dir = newDir();
    const doc = join(dir, 'durable.json');
    const inoAt = (path: string) => statSync(path, { bigint: true, throwIfNoEntry: false })?.ino ?? null;
    const store = new FileSessionStore({ layout: 'legacy', dir });
    await store.save(createSession({ id: 'durable' }));
    // FileHandle is not exported: take its prototype from an open handle.
    const probe = await open(doc, 'r');
    const handleProto = Object.getPrototypeOf(probe) as { sync(this: FileHandle): Promise<void> };
    await probe.close();
    const original = handleProto.sync;
    // Each fsync: what was synced (inode, folder or not) and which inode the document path held at that moment.
    const synced: { ino: bigint; isDir: boolean; docIno: bigint | null }[] = [];
    const spy = vi.spyOn(handleProto, 'sync').mockImplementation(async function (this: FileHandle) {
      const st = await this.stat({ bigint: true });
      synced.push({ ino: st.ino, isDir: st.isDirectory(), docIno: inoAt(doc) });
      return original.call(this);
    });
    try {
      const oldIno = inoAt(doc);
      await store.save(createSession({ id: 'durable' })); // a replace, with the old document in place
      const newIno = inoAt(doc);
      expect(newIno).not.toBe(oldIno);
      // First the new document, as a temp file (its inode later sits at the path) while the path still held the
      // old version; then the folder, once the path holds the new one.
      expect(synced).toEqual([
        { ino: newIno, isDir: false, docIno: oldIno },
        { ino: inoAt(dir), isDir: true, docIno: newIno },
      ]);

      synced.length = 0;
      const unsynced = new FileSessionStore({ layout: 'legacy', dir, fsync: false });
      await unsynced.save(createSession({ id: 'durable' }));
      expect(await unsynced.delete('durable')).toBe(true);
      expect(synced).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('a reader never sees half a document while it is replaced again and again', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir, fsync: false });
    const versions = [withMessages('big', 300, 'first'), withMessages('big', 200, 'second')];
    const texts = new Set(versions.map((v) => JSON.stringify(v, null, 2)));
    await store.save(versions[0] as SessionData);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) await store.save(versions[i % 2] as SessionData);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const text = await readFile(join(dir, 'big.json'), 'utf8');
      expect(texts.has(text)).toBe(true);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it('removes our stale temp files and never touches a3s-code temp files', async () => {
    const dir = newDir();
    mkdirSync(join(dir, META_DIR), { recursive: true });
    const dead = deadPid();
    const files = {
      ourDead: `.x.${HOST_TAG}.${dead}.0a1b2c3d4e5f.as-tmp`,
      ourOld: `.y.${HOST_TAG}.${process.pid}.0a1b2c3d4e5f.as-tmp`,
      ourLive: `.z.${HOST_TAG}.${process.pid}.1a1b2c3d4e5f.as-tmp`,
      otherHostDead: `.w.ffffffff.${dead}.0a1b2c3d4e5f.as-tmp`,
      a3sOld: `w.json.1732512345123456789.${dead}.tmp`,
      a3sFresh: `w.json.1732512345123456790.${process.pid}.tmp`,
      metaDead: `${META_DIR}/.${HOST_TAG}.${dead}.0a1b2c3d4e5f.as-tmp`,
    };
    for (const name of Object.values(files)) writeFileSync(join(dir, name), 'partial');
    for (const name of [files.ourOld, files.a3sOld]) utimesSync(join(dir, name), hoursAgo(1), hoursAgo(1));
    const store = new FileSessionStore({ layout: 'legacy', dir });
    // The first write cleans both folders; every listing cleans the sessions folder again.
    await store.save(createSession({ id: 'trigger' }));
    writeFileSync(join(dir, `.again.${HOST_TAG}.${dead}.0a1b2c3d4e5f.as-tmp`), 'partial');
    expect(await store.list()).toEqual(['trigger']);
    const left = new Set([...readdirSync(dir), ...readdirSync(join(dir, META_DIR)).map((n) => `${META_DIR}/${n}`)]);
    expect(left.has(files.ourDead)).toBe(false);
    expect(left.has(files.ourOld)).toBe(false);
    expect(left.has(files.metaDead)).toBe(false);
    expect(left.has(`.again.${HOST_TAG}.${dead}.0a1b2c3d4e5f.as-tmp`)).toBe(false);
    // A live writer's temp, another machine's recent temp, and a3s-code's temps stay.
    expect(left.has(files.ourLive)).toBe(true);
    expect(left.has(files.otherHostDead)).toBe(true);
    expect(left.has(files.a3sOld)).toBe(true);
    expect(left.has(files.a3sFresh)).toBe(true);
    expect(readFileSync(join(dir, files.a3sOld), 'utf8')).toBe('partial');
  });

  it('ignores files in the folder that are not sessions', async () => {
    const dir = newDir();
    mkdirSync(join(dir, 'sub.json'), { recursive: true });
    for (const name of ['notes.txt', 'README.md', 'x.json.bak', '.hidden.json', '~not base64!.json', '~~abc.json'])
      writeFileSync(join(dir, name), 'not a session');
    const store = new FileSessionStore({ layout: 'legacy', dir });
    await store.save(createSession({ id: 'real' }));
    expect(await store.list()).toEqual(['real']);
    expect((await store.listSessions()).sessions.map((s) => s.id)).toEqual(['real']);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('not a session');
  });
});
