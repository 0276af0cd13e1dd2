/** export → import round trips and bad import input, through the real command. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSession, type SessionStore } from '@agent-sessions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, makeSession, openTestStore, runCli, seed, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

const SESSIONS = 300;

describe('export → import round trip', () => {
  const fileUrl = `file:${join(dir.dir, 'source')}`;
  let source: SessionStore;

  beforeAll(async () => {
    source = await openTestStore(fileUrl);
    await seed(source, SESSIONS);
  });
  afterAll(() => source.close());

  it(`moves ${SESSIONS} sessions from a file store to SQLite unchanged`, async () => {
    const exported = await runCli(['export', '--store', fileUrl]);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(SESSIONS);
    expect(exported.stderr).toContain(`export: ${SESSIONS} sessions written`);
    // Newest first, as listSessions orders them.
    expect(JSON.parse(lines[0] as string).id).toBe(`s-0${SESSIONS - 1}`);

    const sqliteUrl = `sqlite:${join(dir.dir, 'target.db')}`;
    const imported = await runCli(['import', '--store', sqliteUrl], { input: exported.stdout });
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain(`import: ${SESSIONS} imported, 0 invalid lines`);

    const target = await openTestStore(sqliteUrl);
    try {
      expect((await target.list()).sort()).toEqual((await source.list()).sort());
      for (const id of await source.list()) expect(await target.load(id)).toEqual(await source.load(id));
    } finally {
      await target.close();
    }
  });

  it('exports chosen ids to a file and imports it back with --input', async () => {
    const out = join(dir.dir, 'two.jsonl');
    const r = await runCli(['export', 's-0005', 's-0007', '-o', out, '--store', fileUrl]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([await source.load('s-0005'), await source.load('s-0007')]);
    const copyUrl = `file:${join(dir.dir, 'copy')}`;
    const back = await runCli(['import', '-i', out, '--store', copyUrl]);
    expect(back.code).toBe(0);
    const copy = await openTestStore(copyUrl);
    expect(await copy.load('s-0007')).toEqual(await source.load('s-0007'));
    await copy.close();
  });

  it('shows a progress bar in tty mode and plain lines otherwise, never on stdout', async () => {
    const tty = await runCli(['export', '--store', fileUrl], { env: { AGENT_SESSIONS_PROGRESS: 'tty' } });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('\r\x1b[Kexport [');
    expect(tty.stderr).toContain(`${SESSIONS}/${SESSIONS} sessions (100%)`);
    expect(tty.stderr).toMatch(/\/s · ETA /);
    const plain = await runCli(['export', '--progress', 'plain', '--store', fileUrl]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain('\r');
    const lines = plain.stderr.split('\n').filter((l) => l.startsWith('export: '));
    const final = new RegExp(`^export: ${SESSIONS}/${SESSIONS} sessions \\(100%\\), [\\d.]+/s, ETA 0s$`);
    expect(lines.some((l) => final.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('(50%)'))).toBe(true);
    // stdout holds only the documents, whatever the display does.
    expect(tty.stdout).toBe(plain.stdout);
    expect(plain.stdout.trimEnd().split('\n')).toHaveLength(SESSIONS);
  });

  it('import from a file shows a percentage and ETA: a bar on a terminal, plain lines otherwise', async () => {
    const file = join(dir.dir, 'all.jsonl');
    const exported = await runCli(['export', '-o', file, '--store', fileUrl]);
    expect(exported.code).toBe(0);
    // `-i FILE` in forced terminal mode: the file's size gives the bar its length and the ETA.
    const tty = await runCli(['import', '-i', file, '--store', `file:${join(dir.dir, 'progress-tty')}`], {
      env: { AGENT_SESSIONS_PROGRESS: 'tty' },
    });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('\r\x1b[Kimport [');
    expect(tty.stderr).toMatch(/import \[█+\] 300 lines, 100% of [\d.]+ [kM]?B read · [\d.]+\/s · ETA 0s/);
    // stdin redirected from the file (`import < file.jsonl`), not a terminal: plain lines at each 10 %.
    const plain = await runCli(
      ['import', '--progress', 'plain', '--store', `file:${join(dir.dir, 'progress-plain')}`],
      {
        stdinFile: file,
      },
    );
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain('\r');
    expect(plain.stderr).toMatch(/^import: \d+ lines, 50% of [\d.]+ [kM]?B read, [\d.]+\/s, ETA \S+$/m);
    expect(plain.stderr).toContain(`import: ${SESSIONS} imported, 0 invalid lines`);
    // From a pipe the size is unknown: counts and rate only.
    const piped = await runCli(['import', '--progress', 'plain', '--store', `file:${join(dir.dir, 'progress-pipe')}`], {
      input: readFileSync(file, 'utf8'),
    });
    expect(piped.stderr).toMatch(/^import: 300 lines, [\d.]+\/s$/m);
  });

  it('export -o replaces the file only when the export worked', async () => {
    const file = join(dir.dir, 'kept.jsonl');
    writeFileSync(file, 'yesterday\n');
    const failed = await runCli(['export', '-o', file, '--store', `redis://127.0.0.1:${await closedPort()}`]);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe('yesterday\n');
    expect(readdirSync(dir.dir).filter((name) => name.includes('partial'))).toEqual([]);
    const ok = await runCli(['export', 's-0003', '-o', file, '--store', fileUrl]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(await source.load('s-0003'));
    // A folder that does not exist: one line naming the path, before any progress is shown.
    const missing = join(dir.dir, 'no-such-folder', 'out.jsonl');
    const bad = await runCli(['export', '-o', missing, '--progress', 'plain', '--store', fileUrl]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `agent-sessions: cannot write ${missing}: the folder ${join(dir.dir, 'no-such-folder')} does not exist\n`,
    );
  });

  it('skips a corrupt stored session with its record name, exports the rest and exits 1', async () => {
    const brokenDir = join(dir.dir, 'broken');
    const broken = await openTestStore(`file:${brokenDir}`);
    await seed(broken, 3);
    await broken.close();
    // The file store's default layout keeps sessions where today's a3s-code does: v1/sessions/id_<base64url>.json.
    const brokenFile = `id_${Buffer.from('s-0001').toString('base64url')}.json`;
    writeFileSync(join(brokenDir, 'v1', 'sessions', brokenFile), '{"id":"s-0001","config":');
    const r = await runCli(['export', '--store', `file:${brokenDir}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('skipped "s-0001"');
    expect(r.stderr).toContain(brokenFile);
    expect(r.stderr).toContain('export: 2 sessions written, 1 corrupt (skipped)');
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).id)
        .sort(),
    ).toEqual(['s-0000', 's-0002']);
  });

  it('reports a missing id with exit 1 and still exports the others', async () => {
    const r = await runCli(['export', 's-0001', 'ghost', '--store', fileUrl]);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('session "ghost" not found');
  });
});

describe('import of bad input', () => {
  const url = `file:${join(dir.dir, 'bad-input')}`;
  const good = (i: number) => encodeSession(makeSession(i));
  const missingField = JSON.stringify({ ...makeSession(51), state: undefined });
  const input = [
    good(50), //                                    line 1
    '{"id": "half', //                              line 2: not JSON
    missingField, //                                line 3: no state
    '', //                                          line 4: blank, ignored
    good(52).replace('"created_at":', '"created_at":9007199254740993,"x":'), // line 5: unsafe integer
    JSON.stringify({ ...makeSession(53), id: 'bad\u0001id' }), // line 6: invalid id
    good(54), //                                    line 7
  ].join('\n');

  it('reports each bad line by number, skips it and imports the rest', async () => {
    // Line 3 is a broken s-0051: the stored s-0051 must come through untouched.
    const before = await openTestStore(url);
    const original = makeSession(51, { state: 'Paused' });
    await before.save(original);
    await before.close();
    const r = await runCli(['import', '--store', url], { input });
    expect(r.code).toBe(1); // the run goes on past bad lines, but does not report success
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('agent-sessions: line'));
    expect(errors.map((l) => l.match(/line (\d+)/)?.[1])).toEqual(['2', '3', '5', '6']);
    expect(errors[0]).toContain('not valid JSON');
    expect(errors[1]).toContain('state');
    expect(errors[2]).toContain('9007199254740993');
    expect(errors[3]).toContain('Invalid session id');
    expect(r.stderr).toContain('import: 2 imported, 4 invalid lines skipped');
    const store = await openTestStore(url);
    expect((await store.list()).sort()).toEqual(['s-0050', 's-0051', 's-0054']);
    expect(await store.get('s-0051')).toEqual({ session: original, revision: 1 });
    await store.close();
  });

  it('--strict stops at the first bad line with exit 1 and damages nothing stored', async () => {
    const strictUrl = `file:${join(dir.dir, 'strict')}`;
    const store = await openTestStore(strictUrl);
    const original = makeSession(51, { state: 'Paused' });
    await store.save(original);
    const r = await runCli(['import', '--strict', '--store', strictUrl], { input });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toContain('stopped at line 2 (--strict)');
    expect(r.stderr).not.toContain('line 3');
    // Line 1 went in; the invalid line 3 (same id, broken) never touched the stored s-0051; nothing after line 2 ran.
    expect((await store.list()).sort()).toEqual(['s-0050', 's-0051']);
    expect(await store.load('s-0051')).toEqual(original);
    await store.close();
  });

  it('--skip-existing keeps what is stored', async () => {
    const keepUrl = `file:${join(dir.dir, 'keep')}`;
    const store = await openTestStore(keepUrl);
    const mine = makeSession(50, { state: 'Completed' });
    await store.save(mine);
    const r = await runCli(['import', '--skip-existing', '--store', keepUrl], { input: `${good(50)}\n${good(54)}\n` });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('import: 1 imported, 1 skipped (already stored), 0 invalid lines');
    expect(await store.load('s-0050')).toEqual(mine);
    expect(await store.exists('s-0054')).toBe(true);
    await store.close();
  });

  it('a later line for the same id wins', async () => {
    const dupUrl = `file:${join(dir.dir, 'dup')}`;
    const lines = Array.from({ length: 20 }, (_, k) => encodeSession(makeSession(60, { total_cost: k })));
    const r = await runCli(['import', '--store', dupUrl], { input: lines.join('\n') });
    expect(r.code).toBe(0);
    const store = await openTestStore(dupUrl);
    expect((await store.load('s-0060'))?.total_cost).toBe(19);
    await store.close();
  });
});
