/** One corrupt file does not hide the rest of a file store from `ls`: it is named on stderr and the exit code is 1. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, runCli, seed, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const storeDir = join(dir.dir, 'sessions');
const url = `file:${storeDir}`;
const brokenFile = `id_${Buffer.from('s-0001').toString('base64url')}.json`;

beforeAll(async () => {
  const store = await openTestStore(url);
  await seed(store, 3);
  await store.close();
  writeFileSync(join(storeDir, 'v1', 'sessions', brokenFile), '{"id":"s-0001","config":');
});

describe('ls with a corrupt record', () => {
  it('lists the others, names the corrupt one on stderr, exits 1', async () => {
    const r = await runCli(['ls', '--store', url]);
    expect(r.code).toBe(1);
    const ids = r.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]);
    expect(ids).toEqual(['s-0002', 's-0000']);
    expect(r.stderr).toContain(brokenFile);
    expect(r.stderr).toContain('unreadable session "s-0001"');
    expect(r.stderr).toContain('1 record could not be read');
  });

  it('--json: the readable summaries on stdout, the corrupt one on stderr', async () => {
    const r = await runCli(['ls', '--json', '--store', url]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).map((s: { id: string }) => s.id)).toEqual(['s-0002', 's-0000']);
    expect(r.stderr).toContain(brokenFile);
  });

  it('--strict stops at once with the corrupt record named, listing nothing', async () => {
    const r = await runCli(['ls', '--strict', '--store', url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(brokenFile);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
