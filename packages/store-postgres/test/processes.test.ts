/** Revisions stay atomic when several processes write the same sessions at once. */
import { SessionConflictError } from '@agent-sessions/core/adapter';
import { makeSession } from '@agent-sessions/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionStore } from '../src/index.js';
import { runTogether, spawnChild } from './children.js';
import { openTestDatabase, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase('processes');
});
afterAll(async () => {
  await db?.cleanup();
});

interface WriterResult {
  cas: string;
  appends: number[];
  saves: number[];
}

describe('several processes', () => {
  it('conditional saves, appends and unconditional saves keep revisions atomic', async () => {
    const store = new PostgresSessionStore({ pool: db.pool, schema: db.schema, table: 'shared' });
    await store.save(makeSession('cas'));
    await store.save(makeSession('log', { messages: 0 }));
    const n = 5;
    const names = ['p1', 'p2', 'p3'];
    const results = (await runTogether(
      names.map((name) => spawnChild('writer.ts', [db.url, db.schema, 'shared', name, String(n)])),
    )) as WriterResult[];

    // Exactly one process won the save pinned to revision 1; the others saw revision 2.
    expect(results.map((r) => r.cas).sort()).toEqual([
      `${SessionConflictError.name}:2`,
      `${SessionConflictError.name}:2`,
      'won',
    ]);
    expect((await store.get('cas'))?.revision).toBe(2);

    const appendRevisions = results.flatMap((r) => r.appends).sort((a, b) => a - b);
    expect(appendRevisions).toEqual(Array.from({ length: names.length * n }, (_, i) => i + 2));
    const log = await store.get('log');
    expect(log?.revision).toBe(1 + names.length * n);
    const texts = log!.session.messages.map((m) => (m.content[0] as { text: string }).text);
    expect([...texts].sort()).toEqual(
      names.flatMap((name) => Array.from({ length: n }, (_, i) => `${name} ${i}`)).sort(),
    );
    // Each process's own messages appear in the order it appended them.
    for (const name of names)
      expect(texts.filter((t) => t.startsWith(`${name} `))).toEqual(
        Array.from({ length: n }, (_, i) => `${name} ${i}`),
      );

    const saveRevisions = results.flatMap((r) => r.saves).sort((a, b) => a - b);
    expect(saveRevisions).toEqual(Array.from({ length: names.length * n }, (_, i) => i + 1));
    const doc = await store.get('doc');
    expect(doc?.revision).toBe(names.length * n);
    // The stored document is one writer's whole save, never a mix of two.
    const i = Number(doc!.session.config.name.split(' ')[1]);
    expect(doc?.session.messages).toHaveLength(i);
    await store.close();
  }, 90_000);
});
