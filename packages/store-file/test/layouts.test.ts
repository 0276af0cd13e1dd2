/** Both layouts, legacy a3s-code's sanitized names, the snapshot envelope, and a3s-code's lease, WAL and lock. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSession,
  InvalidArgumentError,
  parseStoreUrl,
  SessionCorruptError,
  StoreAccessError,
} from '@agent-sessions/core/adapter';
import { makeCostRecord, makeMessage } from '@agent-sessions/core/conformance';
import { describe, expect, it } from 'vitest';
import { FileSessionStore, optionsFromUrl, V1_SESSIONS_DIR } from '../src/index.js';
import { v1FileName } from '../src/layout.js';
import { checkA3sFile } from './a3s-serde.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('layouts');
const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const v1Path = (dir: string, id: string) => join(dir, V1_SESSIONS_DIR, v1FileName(id));

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

/** A folder as legacy a3s-code leaves it: bare documents under sanitized names. */
function legacyFolder(files: Record<string, unknown>): string {
  const dir = newDir();
  mkdirSync(dir, { recursive: true });
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), pretty(doc));
  return dir;
}

describe('layout v1 (the default)', () => {
  it('writes v1/sessions/id_<base64url>.json as a snapshot envelope that today’s a3s-code reads', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    for (const id of ['plain', 'a/b', '..', '日本語']) {
      const doc = createSession({ id, now: 1_700_000_000 });
      await store.save(doc);
      const text = readFileSync(v1Path(dir, id), 'utf8');
      expect(v1FileName(id)).toBe(`id_${Buffer.from(id).toString('base64url')}.json`);
      expect(JSON.parse(text)).toEqual({
        schema_version: 1,
        session: doc,
        artifacts: [],
        retained_artifact_uris: [],
        trace_events: [],
        run_records: [],
        verification_reports: [],
        subagent_tasks: [],
      });
      expect(checkA3sFile(text, 'session-data-v1').errors).toEqual([]);
      expect(await store.load(id)).toEqual(doc);
    }
    expect(readdirSync(dir).sort()).toEqual(['.agent-sessions', 'v1']);
    expect((await store.list()).sort()).toEqual(['..', 'a/b', 'plain', '日本語'].sort());
  });

  it('keeps an envelope’s other members through save and append', async () => {
    const dir = newDir();
    const doc = createSession({ id: 's', now: 1_700_000_000 });
    mkdirSync(join(dir, V1_SESSIONS_DIR), { recursive: true });
    const members = '"artifacts": [{"uri": "a3s://1", "n": 1.0}],\n  "future_member": {"x": [1, 2]}';
    writeFileSync(v1Path(dir, 's'), `{\n  "schema_version": 1,\n  "session": ${pretty(doc)},\n  ${members}\n}`);
    const store = new FileSessionStore({ dir });
    await store.appendMessages('s', [makeMessage(0)]);
    await store.save({ ...doc, messages: [makeMessage(1)] });
    const text = readFileSync(v1Path(dir, 's'), 'utf8');
    expect(text).toContain(members);
    expect(JSON.parse(text).session.messages).toEqual([makeMessage(1)]);
  });

  it('refuses an envelope of another schema_version as corrupt, naming the file, and leaves it', async () => {
    const dir = newDir();
    mkdirSync(join(dir, V1_SESSIONS_DIR), { recursive: true });
    const text = pretty({ schema_version: 2, session: createSession({ id: 's' }) });
    writeFileSync(v1Path(dir, 's'), text);
    const store = new FileSessionStore({ dir });
    const error = await errorOf(store.load('s'));
    expect(error).toBeInstanceOf(SessionCorruptError);
    expect((error as Error).message).toContain(v1Path(dir, 's'));
    expect((error as Error).message).toContain('schema_version 2');
    expect(readFileSync(v1Path(dir, 's'), 'utf8')).toBe(text);
  });

  it('a v1 copy counts before a legacy one, as for a3s-code; list shows the id once; delete removes both', async () => {
    const legacy = createSession({ id: 'dup', name: 'old copy', now: 1 });
    const dir = legacyFolder({ 'dup.json': legacy });
    const store = new FileSessionStore({ dir });
    const fresh = createSession({ id: 'dup', name: 'v1 copy', now: 2 });
    mkdirSync(join(dir, V1_SESSIONS_DIR), { recursive: true });
    writeFileSync(v1Path(dir, 'dup'), pretty({ schema_version: 1, session: fresh }));
    expect((await store.load('dup'))?.config.name).toBe('v1 copy');
    expect(await store.list()).toEqual(['dup']);
    expect((await store.listSessions()).sessions.map((s) => s.name)).toEqual(['v1 copy']);
    expect(await store.delete('dup')).toBe(true);
    expect(existsSync(join(dir, 'dup.json'))).toBe(false);
    expect(existsSync(v1Path(dir, 'dup'))).toBe(false);
    expect(await store.load('dup')).toBeNull();
  });

  it('rewrites a legacy file in place (the copy a3s-code reads) instead of shadowing it', async () => {
    const dir = legacyFolder({ 'old.json': createSession({ id: 'old', now: 1 }) });
    const store = new FileSessionStore({ dir });
    await store.appendMessages('old', [makeMessage(0)]);
    expect(existsSync(v1Path(dir, 'old'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'old.json'), 'utf8')).messages).toHaveLength(1);
  });
});

describe('legacy a3s-code sanitized names', () => {
  const ab = createSession({ id: 'a/b', name: 'slash', now: 1 });

  it('a_b.json holding "a/b" is session "a/b": listed under its id, loaded by it, not as "a_b"', async () => {
    const dir = legacyFolder({ 'a_b.json': ab, 'x_y.json': createSession({ id: 'x..y', now: 1 }) });
    const store = new FileSessionStore({ dir });
    expect((await store.list()).sort()).toEqual(['a/b', 'x..y']);
    expect((await store.listSessions()).sessions.map((s) => s.id).sort()).toEqual(['a/b', 'x..y']);
    expect(await store.load('a/b')).toEqual(ab);
    expect((await store.get('a/b'))?.revision).toBe(1);
    expect(await store.load('a_b')).toBeNull();
    expect(await store.exists('a_b')).toBe(false);
    expect(await store.exists('a/b')).toBe(true);
    expect((await store.load('x..y'))?.id).toBe('x..y');
  });

  it('reads names outside our plain set too ("my session.json")', async () => {
    const dir = legacyFolder({
      'my session.json': createSession({ id: 'my session', now: 1 }),
      // Another program's JSON under a name that is none of ours: not a session.
      'some notes.json': [1],
    });
    const store = new FileSessionStore({ dir });
    expect(await store.list()).toEqual(['my session']);
    expect((await store.load('my session'))?.id).toBe('my session');
  });

  it('saving "a/b" updates a_b.json in place; saving "a_b" leaves it alone (names stay collision-free)', async () => {
    for (const layout of ['v1', 'legacy'] as const) {
      const dir = legacyFolder({ 'a_b.json': ab });
      const store = new FileSessionStore({ dir, layout });
      await store.appendMessages('a/b', [makeMessage(0)]);
      expect(JSON.parse(readFileSync(join(dir, 'a_b.json'), 'utf8')).messages).toHaveLength(1);
      const other = createSession({ id: 'a_b', name: 'underscore', now: 2 });
      await store.save(other);
      // Our legacy name of a_b is taken by a/b's file: a_b goes to its v1 name whatever the layout.
      expect(JSON.parse(readFileSync(join(dir, 'a_b.json'), 'utf8')).id).toBe('a/b');
      expect(JSON.parse(readFileSync(v1Path(dir, 'a_b'), 'utf8')).session).toEqual(other);
      expect(await store.load('a_b')).toEqual(other);
      expect((await store.load('a/b'))?.messages).toHaveLength(1);
      expect((await store.list()).sort()).toEqual(['a/b', 'a_b']);
      expect(await store.delete('a_b')).toBe(true);
      expect(existsSync(join(dir, 'a_b.json'))).toBe(true);
      expect(await store.delete('a/b')).toBe(true);
      expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toEqual([]);
    }
  });
});

describe('layout legacy', () => {
  it('writes <id>.json and ~<base64url>.json in the folder itself', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir, layout: 'legacy' });
    await store.save(createSession({ id: 'plain' }));
    await store.save(createSession({ id: 'a/b' }));
    expect(readdirSync(dir).sort()).toEqual([
      '.agent-sessions',
      'plain.json',
      `~${Buffer.from('a/b').toString('base64url')}.json`,
    ]);
  });

  it('is chosen by the layout option or URL parameter; anything else is InvalidArgumentError', () => {
    expect(optionsFromUrl(parseStoreUrl('file:./s?layout=legacy')).layout).toBe('legacy');
    expect(new FileSessionStore({ dir: '/x', layout: 'legacy' }).options.layout).toBe('legacy');
    expect(() => new FileSessionStore(optionsFromUrl(parseStoreUrl('file:./s?layout=v2')))).toThrow(
      InvalidArgumentError,
    );
  });
});

describe("a3s-code's writer lease, write-ahead log and lock", () => {
  it('while a3s-code holds the writer lease, writes and deletes are refused and nothing changes', async () => {
    const dir = newDir();
    const store = new FileSessionStore({ dir });
    await store.save(createSession({ id: 's' }));
    const before = readFileSync(v1Path(dir, 's'), 'utf8');
    const lease = { schema: 'a3s.code.session-store-writer-lease.v1', epoch: 3, holderId: 'worker-a', acquiredAtMs: 1 };
    writeFileSync(join(dir, 'v1', 'writer_lease.json'), JSON.stringify(lease));
    for (const call of [
      () => store.save(createSession({ id: 's', name: 'changed' })),
      () => store.appendMessages('s', [makeMessage(0)]),
      () => store.delete('s'),
    ]) {
      const error = await errorOf(call());
      expect(error).toBeInstanceOf(StoreAccessError);
      expect((error as Error).message).toContain('"worker-a" (epoch 3)');
    }
    expect(readFileSync(v1Path(dir, 's'), 'utf8')).toBe(before);
    expect((await store.load('s'))?.id).toBe('s');
  });

  it('never touches v1/wal (its log and lock file) and lists nothing from it', async () => {
    const dir = newDir();
    mkdirSync(join(dir, 'v1', 'wal'), { recursive: true });
    const wal = '{"schema":"a3s.code.session-store-wal-entry.v1","sequence":1}\n';
    writeFileSync(join(dir, 'v1', 'wal', 'session-store.ndjson'), wal);
    writeFileSync(join(dir, 'v1', 'wal', 'session-store.lock'), '');
    const store = new FileSessionStore({ dir });
    await store.save(createSession({ id: 's' }));
    await store.delete('s');
    expect(await store.list()).toEqual([]);
    expect(readFileSync(join(dir, 'v1', 'wal', 'session-store.ndjson'), 'utf8')).toBe(wal);
    expect(readdirSync(join(dir, 'v1', 'wal')).sort()).toEqual(['session-store.lock', 'session-store.ndjson']);
  });
});

describe('the checker catches what a3s-code refuses', () => {
  type Doc = {
    messages: unknown[];
    cost_records: unknown[];
    config: object;
    context_usage: object;
    total_usage: object;
  };
  const ok = () => JSON.parse(pretty(createSession({ id: 'c', now: 1 }))) as Doc;
  const cases: [string, (d: Doc) => void, 'store-rs-era' | 'session-data-v1'][] = [
    [
      'bad trust',
      (d) =>
        d.messages.push({
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'x', content: 'y', trust: 'bogus' }],
        }),
      'session-data-v1',
    ],
    [
      'unknown policy key',
      (d) =>
        Object.assign(d.config, {
          tool_result_transform_policy: {
            schema: 's',
            max_output_bytes: 1,
            head_bytes: 1,
            tail_bytes: 0,
            fold_repeated_lines: false,
            repeated_line_threshold: 3,
            structured_sample_items: 0,
            extra: 1,
          },
        }),
      'session-data-v1',
    ],
    ['percent null', (d) => Object.assign(d.context_usage, { percent: null }), 'session-data-v1'],
    ['lone surrogate', (d) => Object.assign(d.config, { name: '\ud800' }), 'session-data-v1'],
    [
      'plain-string rule in the old era',
      (d) => Object.assign(d.config, { permission_policy: { deny: ['bash'] } }),
      'store-rs-era',
    ],
    ['impossible date', (d) => d.cost_records.push(makeCostRecord('2024-02-30T00:00:00Z')), 'session-data-v1'],
    ['unknown block type', (d) => d.messages.push({ role: 'user', content: [{ type: 'audio' }] }), 'store-rs-era'],
    ['negative usize', (d) => Object.assign(d.total_usage, { prompt_tokens: -1 }), 'store-rs-era'],
  ];
  for (const [what, mutate, version] of cases)
    it(what, () => {
      const doc = ok();
      expect(checkA3sFile(pretty(doc), version).errors).toEqual([]);
      mutate(doc);
      expect(checkA3sFile(JSON.stringify(doc), version).errors).not.toEqual([]);
    });
});
