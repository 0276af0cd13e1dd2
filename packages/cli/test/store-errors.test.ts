/**
 * Stores that cannot work, met by an ordinary command (`ls`): a wrong password, an unreachable host, a missing
 * bucket, a store that fails to open. Each is one line on stderr and exit 1, never a stack trace.
 */
import { join } from 'node:path';
import { getPostgres, getRedis, getS3 } from '@agent-sessions/test-services';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort, hasStackTrace, runCli, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

async function expectOneLine(storeUrl: string, expected: RegExp, env: Record<string, string | undefined> = {}) {
  const r = await runCli(['ls', '--store', storeUrl], { env });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toEqual([expect.stringMatching(/^agent-sessions: /)]);
  expect(lines[0]).toMatch(expected);
  expect(hasStackTrace(r.stderr)).toBe(false);
  return lines[0] as string;
}

describe('a store that cannot work', () => {
  it('wrong PostgreSQL user or password', async () => {
    const url = new URL((await getPostgres()).url);
    url.username = 'agent_sessions_nobody';
    url.password = 'wrong-pw';
    const line = await expectOneLine(url.href, /Check the user, password/);
    expect(line).not.toContain('wrong-pw');
  });

  it('wrong Redis user or password', async () => {
    // A user the server does not know: Redis 6+ refuses its AUTH with WRONGPASS, whether or not a password is set.
    const url = new URL((await getRedis()).url);
    url.username = 'agent-sessions-nobody';
    url.password = 'wrong-pw';
    const line = await expectOneLine(url.href, /WRONGPASS.*Check the password/);
    expect(line).not.toContain('wrong-pw');
  });

  it('unreachable Redis host', async () => {
    await expectOneLine(`redis://127.0.0.1:${await closedPort()}`, /Check that the server is running and reachable/);
  });

  it('missing S3 bucket', async () => {
    const s3 = await getS3();
    const params = new URLSearchParams({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: 'true' });
    const auth = `${encodeURIComponent(s3.accessKeyId)}:${encodeURIComponent(s3.secretAccessKey)}`;
    const line = await expectOneLine(
      `s3://${auth}@agent-sessions-no-such-bucket/p?${params}`,
      /bucket "agent-sessions-no-such-bucket" .*does not exist/,
    );
    expect(line).not.toContain(s3.secretAccessKey);
  });

  it('an adapter installed beside the command that fails to open says why, not that it is missing', async () => {
    // The working directory has no node_modules, so the adapter comes from beside the CLI (the npx case).
    const app = tempDir();
    try {
      const r = await runCli(['ls', '--store', `sqlite:${join(dir.dir, 'no-such-folder', 's.db')}`], {
        cwd: app.dir,
        env: { NODE_PATH: undefined },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^agent-sessions: sqlite: the database file .*s\.db does not exist/);
      expect(r.stderr).not.toContain('not installed');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      app.remove();
    }
  });
});
