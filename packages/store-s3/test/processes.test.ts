/**
 * Several processes, each with its own store and client, race on one session. With conditional writes every
 * append lands once with its own revision. Runs against the test server when it honours conditional writes, else
 * against s3rver behind the conditional-write gateway.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeSession } from '@agent-sessions/core/conformance';
import { afterAll, expect, it } from 'vitest';
import { startConditionalGateway } from './support/conditional-gateway.js';
import { conditionalTarget } from './support/conditional-target.js';
import { emptyPrefix, openStore, rawClient, runPrefix, storeOptions } from './support/s3.js';
import { s3Service } from './support/service.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const s3 = await s3Service();
const { target, gateway } = await conditionalTarget(s3);
const prefix = runPrefix('processes');
const raw = rawClient(s3);

afterAll(async () => {
  await emptyPrefix(raw, s3.bucket, prefix);
  raw.destroy();
});

it('4 processes appending to one session: every message once, revisions distinct and gap-free', async () => {
  const store = openStore(target, prefix);
  await store.save(makeSession('contended', { messages: 0 }));
  const workers = 4;
  const rounds = 6;
  const outputs = await Promise.all(
    Array.from({ length: workers }, (_, worker) =>
      run(
        process.execPath,
        [
          '--conditions=@agent-sessions/source',
          '--import',
          'tsx',
          'test/fixtures/writer.ts',
          JSON.stringify({ options: storeOptions(target, prefix, { operationTimeoutMs: 60_000 }), worker, rounds }),
        ],
        { cwd: packageDir, timeout: 120_000 },
      ),
    ),
  );
  const results = outputs.map((o) => JSON.parse(o.stdout) as number[]);
  const appends = results.flatMap((r) => r.filter((x) => x > 0));
  const saves = results.flatMap((r) => r.filter((x) => x < 0).map((x) => -x));
  expect([...appends].sort((a, b) => a - b)).toEqual(Array.from({ length: workers * rounds }, (_, i) => i + 2));
  expect([...saves].sort((a, b) => a - b)).toEqual(Array.from({ length: workers }, (_, i) => i + 1));
  const stored = await store.get('contended');
  expect(stored?.revision).toBe(workers * rounds + 1);
  const texts = stored?.session.messages.map((m) => (m.content[0] as { text: string }).text) ?? [];
  expect([...texts].sort()).toEqual(
    Array.from({ length: workers }, (_, w) => Array.from({ length: rounds }, (_, i) => `w${w}-m${i}`))
      .flat()
      .sort(),
  );
  if (gateway) expect(gateway.refused()).toBeGreaterThan(0);
  await store.close();
}, 180_000);

it('10 concurrent deletes of one session: exactly one reports that it removed it', async () => {
  const store = openStore(target, `${prefix}deletes/`);
  await store.save(makeSession('doomed', { parentId: 'p' }));
  const results = await Promise.all(Array.from({ length: 10 }, () => store.delete('doomed')));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(await store.exists('doomed')).toBe(false);
  expect((await store.listSessions({ parentId: 'p' })).sessions).toEqual([]);
  await store.close();
});

it('a server that answers 501 to a conditional DELETE gets a plain DELETE instead', async () => {
  const plainDeletes = await startConditionalGateway(s3.endpoint, { conditionalDeletes: 'not-implemented' });
  const store = openStore({ ...target, endpoint: plainDeletes.endpoint }, `${prefix}501/`);
  try {
    await store.save(makeSession('old-server'));
    expect(await store.delete('old-server')).toBe(true);
    expect(await store.exists('old-server')).toBe(false);
    await store.save(makeSession('old-server'));
    expect(await store.delete('old-server')).toBe(true);
    expect(await store.list()).toEqual([]);
  } finally {
    await store.close();
    await plainDeletes.stop();
  }
});
