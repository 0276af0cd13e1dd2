/**
 * Runs in a child process (as an unprivileged user when the tests run as root, since root ignores folder
 * permissions): loads, health-checks and saves in a read-only folder, and prints what each call did.
 * argv: dir, id.
 */
import { createSession } from '@agent-sessions/core/adapter';
import { FileSessionStore } from '../../src/index.js';

const [dir, id] = process.argv.slice(2) as [string, string];
const store = new FileSessionStore({ dir });

async function outcome(call: () => Promise<unknown>): Promise<object> {
  try {
    return { ok: await call() };
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string };
    return { error: { name: e.name, code: e.code, message: e.message } };
  }
}

const result = {
  get: await outcome(async () => (await store.get(id))?.revision ?? null),
  list: await outcome(() => store.list()),
  health: await outcome(() => store.healthCheck()),
  save: await outcome(async () => (await store.save(createSession({ id: 'new-one' }))).revision),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
