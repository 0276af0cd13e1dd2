/**
 * A child process that writes one session of a shared folder, for the multi-process tests.
 * argv: mode (cas | rounds | overwrite | append), dir, id, count, label. It prints "ready", waits for a line on stdin (so
 * that both children start together), works, and prints one JSON line with what happened.
 */
import { createInterface } from 'node:readline';
import { SessionConflictError } from '@agent-sessions/core/adapter';
import { makeMessage } from '@agent-sessions/core/conformance';
import { FileSessionStore } from '../../src/index.js';
import { overwriteDocument } from './documents.js';

const [mode, dir, id, countArg, label] = process.argv.slice(2) as [string, string, string, string, string];
const count = Number(countArg);
const store = new FileSessionStore({ dir });

async function cas(): Promise<object> {
  const wins: number[] = [];
  let conflicts = 0;
  for (let i = 0; i < count; i++) {
    const current = await store.get(id);
    if (current === null) throw new Error('the session is missing');
    const next = {
      ...current.session,
      messages: [...current.session.messages, makeMessage(0, `${label}:${current.revision}`)],
    };
    try {
      await store.save(next, { expectedRevision: current.revision });
      wins.push(current.revision);
    } catch (error) {
      if (!(error instanceof SessionConflictError)) throw error;
      conflicts++;
    }
  }
  return { wins, conflicts };
}

/**
 * Round r: wait until the session reaches revision r, then save with expectedRevision r. Both children try every
 * round with the same expected revision (a child that lags tries with an already stale one), so each round has
 * exactly one winner and every other attempt must conflict.
 */
async function rounds(): Promise<object> {
  const wins: number[] = [];
  let conflicts = 0;
  for (let r = 1; r <= count; r++) {
    let current = await store.get(id);
    while (current !== null && current.revision < r) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      current = await store.get(id);
    }
    if (current === null) throw new Error('the session is missing');
    const next = { ...current.session, messages: [...current.session.messages, makeMessage(0, `${label}:${r}`)] };
    try {
      await store.save(next, { expectedRevision: r });
      wins.push(r);
    } catch (error) {
      if (!(error instanceof SessionConflictError)) throw error;
      conflicts++;
    }
  }
  return { wins, conflicts };
}

async function overwrite(): Promise<object> {
  const revisions: number[] = [];
  for (let i = 0; i < count; i++) revisions.push((await store.save(overwriteDocument(id, label, i))).revision);
  return { revisions };
}

async function append(): Promise<object> {
  const revisions: number[] = [];
  for (let i = 0; i < count; i++)
    revisions.push((await store.appendMessages(id, [makeMessage(0, `${label}:${i}`)])).revision);
  return { revisions };
}

const work = { cas, rounds, overwrite, append }[mode];
if (work === undefined) throw new Error(`unknown mode ${mode}`);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once('line', resolve));
lines.close();
const result = await work();
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
