/** Ctrl-C (SIGINT) ends any command with exit code 130 and a line saying so, as the README documents. */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PKG_DIR, TSX_LOADER, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('interrupted', () => {
  it('SIGINT during serve: exit 130, "interrupted" on stderr', async () => {
    const store = join(dir.dir, 'sessions');
    mkdirSync(store);
    const child = spawn(
      process.execPath,
      [
        '--conditions=@agent-sessions/source',
        '--import',
        TSX_LOADER,
        join(PKG_DIR, 'src/bin.ts'),
        'serve',
        '--port',
        '0',
        '--store',
        `file:${store}`,
      ],
      { cwd: PKG_DIR, env: { ...process.env, AGENT_SESSIONS_PROGRESS: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        if (stdout.includes('Viewing')) resolve();
      }),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    expect(code).toBe(130);
    expect(stderr).toContain('agent-sessions: interrupted');
  });
});
