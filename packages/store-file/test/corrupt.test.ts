/** Damaged files: a SessionCorruptError that names the file, never a crash or a silent null. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, SessionCorruptError } from '@agent-sessions/core/adapter';
import { describe, expect, it } from 'vitest';
import { FileSessionStore } from '../src/index.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('corrupt');
const valid = JSON.stringify(createSession({ id: 'bad', now: 1_700_000_000 }), null, 2);
const { workspace: _w, ...configWithoutWorkspace } = JSON.parse(valid).config;

const cases: [string, string][] = [
  ['empty', ''],
  ['whitespace only', '  \n'],
  ['truncated', valid.slice(0, Math.floor(valid.length / 2))],
  ['not JSON', 'this is not json'],
  ['a JSON array', '[]'],
  ['a required field missing', JSON.stringify({ ...JSON.parse(valid), config: configWithoutWorkspace })],
  ['an unsafe integer', valid.replace('"created_at": 1700000000', '"created_at": 12345678901234567890')],
  ['another id than its name', valid.replace('"id": "bad"', '"id": "other"')],
];

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

describe('corrupt files', () => {
  for (const [what, text] of cases) {
    it(`${what}: load, get and append throw SessionCorruptError naming the path; nothing is changed`, async () => {
      const dir = newDir();
      mkdirSync(dir, { recursive: true });
      const path = join(dir, 'bad.json');
      writeFileSync(path, text);
      const store = new FileSessionStore({ layout: 'legacy', dir });
      for (const call of [() => store.load('bad'), () => store.get('bad'), () => store.appendMessages('bad', [])]) {
        const error = await errorOf(call());
        expect(error).toBeInstanceOf(SessionCorruptError);
        expect((error as SessionCorruptError).record).toBe(path);
        expect((error as Error).message).toContain(path);
        expect((error as SessionCorruptError).backend).toBe('file');
      }
      expect(readFileSync(path, 'utf8')).toBe(text);
      // The session exists (it is damaged, not gone), and a whole-document save repairs it.
      expect(await store.exists('bad')).toBe(true);
      expect(await store.list()).toEqual(['bad']);
      // Listing goes around it and reports it; strict listing throws its error.
      const listing = await store.listSessions();
      expect(listing.sessions).toEqual([]);
      expect(listing.unreadable.map((u) => u.record)).toEqual([path]);
      expect(listing.unreadable[0]?.error).toBeInstanceOf(SessionCorruptError);
      const strict = await errorOf(store.listSessions({ strict: true }));
      expect(strict).toBeInstanceOf(SessionCorruptError);
      expect((strict as SessionCorruptError).record).toBe(path);
      const repaired = createSession({ id: 'bad' });
      await store.save(repaired);
      expect(await store.load('bad')).toEqual(repaired);
      expect((await store.listSessions()).sessions).toHaveLength(1);
    });
  }

  it('a damaged revision record counts as missing: the document still loads', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ layout: 'legacy', dir });
    const doc = createSession({ id: 'r' });
    await store.save(doc);
    await store.save(doc);
    writeFileSync(join(dir, '.agent-sessions', 'r.rev'), '{"v":1,"revis');
    expect(await store.get('r')).toEqual({ session: doc, revision: 1 });
    expect(await store.save(doc, { expectedRevision: 1 })).toEqual({ revision: 2 });
  });
});
