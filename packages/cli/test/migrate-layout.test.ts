/** `migrate --layout`: converts a file store folder between today's a3s-code layout (v1) and <id>.json, in place. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '@agent-sessions/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestStore, runCli, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
let n = 0;
const v1Name = (id: string) => `id_${Buffer.from(id).toString('base64url')}.json`;

/** A folder as legacy a3s-code and our older versions leave it: bare documents in the folder itself. */
function legacyFolder(): string {
  const dir = join(tmp.dir, `f${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const id of ['one', 'two', 'a/b']) {
    const name = id === 'a/b' ? 'a_b.json' : `${id}.json`; // legacy a3s-code's sanitized name
    writeFileSync(join(dir, name), JSON.stringify(createSession({ id, now: 1_700_000_000 }), null, 2));
  }
  return dir;
}

describe('migrate --layout', () => {
  it('v1: moves every session to v1/sessions/id_<base64url>.json, unchanged; a second run skips all', async () => {
    const dir = legacyFolder();
    const before = await openTestStore(`file:${dir}`);
    const docs = new Map(
      await Promise.all((await before.list()).map(async (id) => [id, await before.get(id)] as const)),
    );
    await before.close();

    const r = await runCli(['migrate', '--layout', 'v1', '--store', `file:${dir}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('moved 3, skipped 0 (already in place), kept 0, failed 0');
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(readdirSync(join(dir, 'v1', 'sessions')).sort()).toEqual(['a/b', 'one', 'two'].map(v1Name).sort());
    const envelope = JSON.parse(readFileSync(join(dir, 'v1', 'sessions', v1Name('a/b')), 'utf8'));
    expect(envelope.schema_version).toBe(1);
    expect(envelope.session.id).toBe('a/b');

    const after = await openTestStore(`file:${dir}`);
    for (const [id, stored] of docs) expect(await after.get(id)).toEqual(stored); // same document, same revision
    await after.close();
    const again = await runCli(['migrate', '--layout', 'v1', '--store', `file:${dir}`]);
    expect(again.stdout).toContain('moved 0, skipped 3 (already in place)');
  });

  it('legacy: moves back to <id>.json files; --dry-run first writes nothing', async () => {
    const dir = legacyFolder();
    await runCli(['migrate', '--layout', 'v1', '--store', `file:${dir}`]);
    const dry = await runCli(['migrate', '--layout', 'legacy', '--store', `file:${dir}`, '--dry-run']);
    expect(dry.stdout).toContain('(dry run, nothing written): would move 3');
    expect(readdirSync(join(dir, 'v1', 'sessions'))).toHaveLength(3);
    const r = await runCli(['migrate', '--layout', 'legacy', '--store', `file:${dir}`]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'v1', 'sessions'))).toEqual([]);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(['one.json', 'two.json', `~${Buffer.from('a/b').toString('base64url')}.json`].sort());
  });

  it('keeps an envelope holding a3s-code runtime records in v1, says why, and moves the rest', async () => {
    const dir = join(tmp.dir, `f${n++}`);
    mkdirSync(join(dir, 'v1', 'sessions'), { recursive: true });
    const session = createSession({ id: 'busy', now: 1 });
    writeFileSync(
      join(dir, 'v1', 'sessions', v1Name('busy')),
      JSON.stringify({ schema_version: 1, session, artifacts: [{ uri: 'a3s://1' }] }, null, 2),
    );
    writeFileSync(
      join(dir, 'v1', 'sessions', v1Name('idle')),
      JSON.stringify({ schema_version: 1, session: createSession({ id: 'idle', now: 1 }) }, null, 2),
    );
    const r = await runCli(['migrate', '--layout', 'legacy', '--store', `file:${dir}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('moved 1, skipped 0 (already in place), kept 1, failed 0');
    expect(r.stderr).toContain('kept "busy" where it is');
    expect(existsSync(join(dir, 'v1', 'sessions', v1Name('busy')))).toBe(true);
    expect(existsSync(join(dir, 'idle.json'))).toBe(true);
  });

  it('is a usage error on another backend, with --from/--to, or with an unknown layout', async () => {
    for (const args of [
      ['migrate', '--layout', 'v1', '--store', 'memory:'],
      ['migrate', '--layout', 'v2', '--store', `file:${tmp.dir}`],
      ['migrate', '--layout', 'v1', '--from', 'memory:', '--to', `file:${tmp.dir}`],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/layout/);
    }
  });
});
