/** a3s-code reads our files and we read theirs: same names, same bytes, same schema. */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, decodeSession, parseSession } from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { FileSessionStore } from '../src/index.js';
import { sessionFileName } from '../src/layout.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('a3s');
const fixtures = new URL('../../core/fixtures/a3s/', import.meta.url);
const fixtureNames = readdirSync(fixtures).filter((n) => n.endsWith('.json'));

function fixtureFolder(): { dir: string; docs: Map<string, unknown> } {
  const dir = newDir();
  mkdirSync(dir, { recursive: true });
  const docs = new Map<string, unknown>();
  for (const name of fixtureNames) {
    const doc = JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as { id: string };
    // a3s-code names each file after the id it holds.
    copyFileSync(new URL(name, fixtures), join(dir, `${doc.id}.json`));
    docs.set(doc.id, doc);
  }
  return { dir, docs };
}

describe('files a3s-code wrote', () => {
  it('loads each fixture deep-equal to the parsed file, and lists their ids', async () => {
    const { dir, docs } = fixtureFolder();
    const store = new FileSessionStore({ dir });
    expect(docs.size).toBe(3);
    for (const [id, doc] of docs) {
      expect(await store.load(id)).toEqual(doc);
      expect((await store.get(id))?.revision).toBe(1);
    }
    expect([...(await store.list())].sort()).toEqual([...docs.keys()].sort());
    const { sessions } = await store.listSessions();
    expect(sessions.map((s) => s.id).sort()).toEqual([...docs.keys()].sort());
    for (const s of sessions) expect(s.revision).toBe(1);
  });

  it('ignores a3s-code temp files in flight and never removes them', async () => {
    const { dir, docs } = fixtureFolder();
    const inFlight = `${[...docs.keys()][0]}.json.1732512345123456789.${process.pid}.tmp`;
    writeFileSync(join(dir, inFlight), '{"id": "half');
    writeFileSync(join(dir, '.health_check'), '');
    const store = new FileSessionStore({ dir });
    expect((await store.list()).length).toBe(3);
    expect((await store.listSessions()).sessions.length).toBe(3);
    await store.save(createSession({ id: 'ours' }));
    expect(readdirSync(dir)).toContain(inFlight);
    expect(readFileSync(join(dir, inFlight), 'utf8')).toBe('{"id": "half');
  });
});

describe('files we write', () => {
  it('are pretty JSON a3s-code parses: byte-identical to JSON.stringify(parsed, null, 2), no trailing newline', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir, layout: 'legacy' });
    for (const name of fixtureNames) {
      const original = readFileSync(new URL(name, fixtures), 'utf8');
      const doc = parseSession(JSON.parse(original));
      await store.save(doc);
      const written = readFileSync(join(dir, sessionFileName(doc.id)), 'utf8');
      const parsed = JSON.parse(written);
      expect(written).toBe(JSON.stringify(parsed, null, 2));
      expect(written.endsWith('\n')).toBe(false);
      // Same schema, same values as the a3s-code original.
      expect(decodeSession(written, { record: name })).toEqual(decodeSession(original, { record: name }));
      expect(parsed).toEqual(JSON.parse(original));
    }
  });

  it('never put the revision inside the document', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir, layout: 'legacy' });
    const doc = createSession({ id: 'rev-outside' });
    await store.save(doc);
    await store.save(doc);
    const text = readFileSync(join(dir, 'rev-outside.json'), 'utf8');
    expect(text).toBe(JSON.stringify(doc, null, 2));
    expect(text).not.toContain('revision');
    expect(await store.get('rev-outside')).toEqual({ session: doc, revision: 2 });
  });

  it('name plain ids <id>.json, other ids ~<base64url>.json, and long ids ~~<sha256>.json', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir, layout: 'legacy' });
    const long = `l${'é'.repeat(127)}`; // 255 UTF-8 bytes: its base64url name would pass 255 bytes
    const ids = ['plain-id_1.2', 'a/b', '..', 'Ab c', long];
    for (const id of ids) await store.save(createSession({ id }));
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    expect(names).toContain('plain-id_1.2.json');
    expect(names).toContain(`~${Buffer.from('a/b').toString('base64url')}.json`);
    const hashed = names.filter((n) => n.startsWith('~~'));
    expect(hashed).toHaveLength(1);
    expect(hashed[0]).toMatch(/^~~[0-9a-f]{64}\.json$/);
    expect(names).toHaveLength(ids.length);
    // A hashed name carries no id: listing reads the file to learn it.
    expect([...(await store.list())].sort()).toEqual([...ids].sort());
    const summaries = (await store.listSessions()).sessions.map((s) => s.id);
    expect(summaries.sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await store.load(id))?.id).toBe(id);
  });

  it('checks the id inside a hashed file matches the id asked for', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir, layout: 'legacy' });
    const a = `a${'é'.repeat(127)}`;
    const b = `b${'é'.repeat(127)}`;
    await store.save(createSession({ id: a }));
    // Someone copies another session's document over the hashed name of `b`.
    copyFileSync(join(dir, sessionFileName(a)), join(dir, sessionFileName(b)));
    const error = await store.load(b).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SESSION_CORRUPT', record: join(dir, sessionFileName(b)) });
    expect(await store.exists(b).catch((e: unknown) => e)).toMatchObject({ code: 'SESSION_CORRUPT' });
    expect((await store.load(a))?.id).toBe(a);
  });
});
