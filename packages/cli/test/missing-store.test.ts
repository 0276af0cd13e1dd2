/**
 * A wrong or missing store path is an error naming it (exit 1), and the commands that only read (ls, show, export,
 * doctor, serve, rm) create nothing: no folder, no database file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSession } from '@agent-sessions/core';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, makeSession, PKG_DIR, runCli, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

const READERS: string[][] = [
  ['ls'],
  ['ls', '--json'],
  ['show', 'nope'],
  ['export'],
  ['doctor'],
  ['doctor', '--read-only'],
  ['serve', '--port', '0'],
  ['rm', 'nope'],
];

describe('a store that does not exist', () => {
  for (const args of READERS) {
    it(`${args.join(' ')} on a missing folder: exit 1 naming it, nothing created`, async () => {
      const path = join(dir.dir, 'no', 'such', 'sessions');
      const r = await runCli([...args, '--store', `file:${path}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${path} does not exist`);
      expect(r.stderr).not.toContain('healthy');
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(existsSync(join(dir.dir, 'no'))).toBe(false);
    });

    it(`${args.join(' ')} on a missing SQLite file: exit 1 naming it, no file created`, async () => {
      const path = join(dir.dir, 'missing.db');
      const r = await runCli([...args, '--store', `sqlite:${path}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`database file ${path} does not exist`);
      expect(readdirSync(dir.dir).filter((name) => name.startsWith('missing'))).toEqual([]);
    });
  }

  it('the default store (./.sessions) says that it is the default', async () => {
    const app = tempDir();
    try {
      const r = await runCli(['ls'], { cwd: app.dir, env: { AGENT_SESSIONS_RESOLVE_FROM: PKG_DIR } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${join(app.dir, '.sessions')} does not exist`);
      expect(r.stderr).toContain('no --store was given and SESSION_STORE_URL is unset');
      expect(readdirSync(app.dir)).toEqual([]);
    } finally {
      app.remove();
    }
  });

  it('import still creates its target', async () => {
    const target = join(dir.dir, 'created');
    const r = await runCli(['import', '--store', `file:${target}`], { input: `${encodeSession(makeSession(1))}\n` });
    expect(r.code).toBe(0);
    expect(existsSync(target)).toBe(true);
  });
});
