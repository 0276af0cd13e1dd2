/**
 * Both directions against each a3s-code version (fixtures written by hand from its serde types, see
 * fixtures/a3s/<version>/folder, laid out as that version's FileSessionStore leaves a folder):
 * - a3s-code → us: every file loads, under the id inside, equal field by field to what the file holds;
 * - us → a3s-code: every file we write (a re-save in place, and new sessions) passes that version's strict serde
 *   checker (a3s-serde.ts), sits where that version looks for it, and equals the original field by field.
 * The counts are printed at the end (the closing note needs them).
 */
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createSession, type SessionData } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../src/index.js';
import { a3sSafeId, sessionFileName, V1_SESSIONS_DIR, v1FileName } from '../src/layout.js';
import { envelopeMembers } from '../src/snapshot.js';
import { type A3sVersion, checkA3sFile } from './a3s-serde.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('a3s-versions');
const fixturesRoot = new URL('./fixtures/a3s/', import.meta.url);

/** Every file under `dir`, relative, sorted. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
    })
    .sort();
}

/** Paths where two JSON values differ (a key missing on one side counts). */
function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return [path || '(root)'];
  if (Array.isArray(a) !== Array.isArray(b)) return [path || '(root)'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) =>
    diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
  );
}

function sessionOf(value: unknown): Record<string, unknown> {
  const v = value as Record<string, unknown>;
  return ('session' in v ? v.session : v) as Record<string, unknown>;
}

/** What our canonical form adds to a file of each version: read defaults a3s-code would fill too. */
const CANONICAL_ADDITIONS: Record<A3sVersion, string[]> = {
  // session.rs of that era had no planning_mode; today's default (Auto) is filled, planning_enabled kept as read.
  'store-rs-era': ['config.planning_mode'],
  'session-data-v1': [],
};

interface Counts {
  loaded: number;
  loadedOk: number;
  written: number;
  writtenOk: number;
}
const counts = new Map<string, Counts>();
function count(version: A3sVersion): Counts {
  const c = counts.get(version) ?? { loaded: 0, loadedOk: 0, written: 0, writtenOk: 0 };
  counts.set(version, c);
  return c;
}

afterAll(() => {
  const rows = [...counts].map(
    ([v, c]) =>
      `${v}: a3s-code → us ${c.loadedOk}/${c.loaded} files load; us → a3s-code ${c.writtenOk}/${c.written} files pass the checker`,
  );
  console.log(`a3s-code compatibility (issue 16)\n${rows.join('\n')}`);
});

/** Checks one file we wrote for `version`: serde rules, and that the version finds it under the session's id. */
function checkWritten(version: A3sVersion, dir: string, rel: string, expected: Record<string, unknown>): void {
  const c = count(version);
  c.written++;
  const text = readFileSync(join(dir, rel), 'utf8');
  const { errors, session } = checkA3sFile(text, version);
  expect(errors, rel).toEqual([]);
  const id = (session as { id: string }).id;
  // Where that version looks: today's a3s-code v1 first, then the sanitized legacy name; older only the latter.
  const found =
    version === 'session-data-v1'
      ? [join(V1_SESSIONS_DIR, v1FileName(id)), `${a3sSafeId(id)}.json`]
      : [`${a3sSafeId(id)}.json`];
  expect(found, `${rel} is not where a3s-code looks for ${id}`).toContain(rel);
  // serde's pretty form: the document as JSON.stringify(doc, null, 2) writes it (nested two spaces in an envelope),
  // no trailing newline; an envelope's other members are as a3s-code wrote them.
  const pretty = JSON.stringify(session, null, 2);
  if ('session' in JSON.parse(text)) expect(text).toContain(`"session": ${pretty.replaceAll('\n', '\n  ')}`);
  else expect(text).toBe(pretty);
  expect(diffPaths(session, expected), rel).toEqual([]);
  c.writtenOk++;
}

for (const version of ['store-rs-era', 'session-data-v1'] as const) {
  const fixtureDir = new URL(`${version}/folder/`, fixturesRoot).pathname;
  const sessionFiles = walk(fixtureDir).filter((rel) => rel.endsWith('.json') && !rel.startsWith(join('v1', 'wal')));

  describe(`a3s-code ${version}`, () => {
    it('every fixture follows that version’s serde rules (the checker itself agrees with the fixtures)', () => {
      expect(sessionFiles.length).toBeGreaterThanOrEqual(10);
      for (const rel of sessionFiles)
        expect(checkA3sFile(readFileSync(join(fixtureDir, rel), 'utf8'), version).errors, rel).toEqual([]);
    });

    it('a3s-code → us: each file loads under the id inside, equal field by field; list shows every id once', async () => {
      const dir = newDir();
      cpSync(fixtureDir, dir, { recursive: true });
      const store = new FileSessionStore({ dir });
      const ids: string[] = [];
      for (const rel of sessionFiles) {
        count(version).loaded++;
        const original = sessionOf(JSON.parse(readFileSync(join(dir, rel), 'utf8')));
        const id = original.id as string;
        ids.push(id);
        const loaded = await store.load(id);
        expect(loaded, rel).not.toBeNull();
        expect(diffPaths(loaded, original).sort(), rel).toEqual(
          CANONICAL_ADDITIONS[version].filter((p) => !((p.split('.')[1] as string) in (original.config as object))),
        );
        expect(await store.exists(id)).toBe(true);
        count(version).loadedOk++;
      }
      expect([...(await store.list())].sort()).toEqual([...ids].sort());
      expect((await store.listSessions({ limit: 1000 })).sessions.map((s) => s.id).sort()).toEqual([...ids].sort());
    });

    it('us → a3s-code: a re-save rewrites each file in place, in its form, passing the checker', async () => {
      const dir = newDir();
      cpSync(fixtureDir, dir, { recursive: true });
      const before = new Map(walk(dir).map((rel) => [rel, readFileSync(join(dir, rel), 'utf8')]));
      const store = new FileSessionStore({ dir });
      for (const rel of sessionFiles) {
        const originalValue = JSON.parse(before.get(rel) as string) as Record<string, unknown>;
        const original = sessionOf(originalValue);
        const loaded = (await store.load(original.id as string)) as SessionData;
        await store.save(loaded);
        checkWritten(version, dir, rel, loaded as unknown as Record<string, unknown>);
        // The form stays (bare or envelope), and an envelope keeps a3s-code's other members byte for byte.
        const afterText = readFileSync(join(dir, rel), 'utf8');
        expect('session' in JSON.parse(afterText), rel).toBe('session' in originalValue);
        if ('session' in originalValue)
          expect(envelopeMembers(afterText), rel).toEqual(envelopeMembers(before.get(rel) as string));
      }
      // No other file appeared or changed: a3s-code's WAL and lock included (only our metadata folder is new).
      const now = walk(dir).filter((rel) => !rel.startsWith('.agent-sessions'));
      expect(now).toEqual([...before.keys()]);
      for (const rel of now.filter((r) => r.startsWith(join('v1', 'wal'))))
        expect(readFileSync(join(dir, rel), 'utf8')).toBe(before.get(rel));
    });

    it('us → a3s-code: new sessions written where and how that version reads them', async () => {
      const dir = newDir();
      // Today's a3s-code reads the default layout; an older one reads only the legacy names.
      const layout = version === 'session-data-v1' ? 'v1' : 'legacy';
      const store = new FileSessionStore({ dir, layout });
      const docs: SessionData[] = sessionFiles.map(
        (rel) => sessionOf(JSON.parse(readFileSync(join(fixtureDir, rel), 'utf8'))) as unknown as SessionData,
      );
      const extra = createSession({ id: 'made-by-us', now: 1_700_000_000, toolNames: ['bash'] });
      extra.messages.push(makeMessage(0), makeMessage(1));
      extra.cost_records.push({
        model: 'm',
        provider: 'p',
        prompt_tokens: 1,
        completion_tokens: 2,
        total_tokens: 3,
        cost_usd: null,
        timestamp: '2026-01-31T17:30:00.5+08:00',
        session_id: 'made-by-us',
      });
      (extra.config as Record<string, unknown>).permission_policy =
        version === 'session-data-v1'
          ? { deny: ['bash'], allow: [{ rule: 'read' }], ask: [], default_decision: 'ask', enabled: true }
          : { deny: [{ rule: 'bash' }], allow: [], ask: [], default_decision: 'deny', enabled: false };
      docs.push(extra);
      for (const doc of docs) {
        // An older a3s-code finds a file only under its sanitized name: our legacy names agree for plain ids.
        if (layout === 'legacy' && sessionFileName(doc.id) !== `${a3sSafeId(doc.id)}.json`) continue;
        await store.save(doc);
        await store.appendMessages(doc.id, [makeMessage(7, 'appended by us ✓')]);
        const stored = (await store.load(doc.id)) as SessionData;
        expect(stored.messages.at(-1)?.content).toEqual(makeMessage(7, 'appended by us ✓').content);
        const rel = layout === 'v1' ? join(V1_SESSIONS_DIR, v1FileName(doc.id)) : sessionFileName(doc.id);
        checkWritten(version, dir, rel, stored as unknown as Record<string, unknown>);
      }
    });
  });
}
