/** Several processes on one Redis namespace: atomic revisions across processes, no lost append. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSession } from '@agent-sessions/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../src/index.js';
import { dropPrefix, redisFixture } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { service, admin, runPrefix } = await redisFixture();
afterAll(async () => {
  await dropPrefix(admin, runPrefix);
  admin.disconnect();
  await service.stop();
});

function runWriter(args: string[]): Promise<{ revisions: number[]; created: boolean }> {
  const argv = ['--conditions=@agent-sessions/source', '--import', 'tsx', join(packageDir, 'test/workers/writer.ts')];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...argv, ...args], { cwd: packageDir, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`writer failed: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

describe('redis: several processes', () => {
  it('three processes appending without revisions lose nothing, and exactly one creates with expectedRevision 0', async () => {
    const prefix = `${runPrefix}procs:`;
    const store = new RedisSessionStore({ url: service.url, prefix });
    await store.save(makeSession('shared', { messages: 0 }));
    const appends = 15;
    const results = await Promise.all(
      ['a', 'b', 'c'].map((worker) => runWriter([service.url, prefix, worker, String(appends)])),
    );
    const all = results.flatMap((r) => r.revisions);
    // Every append got its own revision, 2 to 46: none was lost or counted twice.
    expect(new Set(all).size).toBe(3 * appends);
    expect(Math.min(...all)).toBe(2);
    expect(Math.max(...all)).toBe(1 + 3 * appends);
    const stored = await store.get('shared');
    expect(stored?.revision).toBe(1 + 3 * appends);
    const texts = stored?.session.messages.map((m) => (m.content[0] as { text: string }).text) ?? [];
    expect(texts).toHaveLength(3 * appends);
    for (const worker of ['a', 'b', 'c']) {
      // Each process's messages are all there, in the order it appended them.
      const own = texts.filter((t) => t.startsWith(`worker ${worker} `));
      expect(own).toEqual(Array.from({ length: appends }, (_, i) => `worker ${worker} message ${i}`));
    }
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await store.get('race'))?.revision).toBe(1);
    await store.close();
  }, 90_000);
});
