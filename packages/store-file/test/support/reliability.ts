/**
 * The file store for the reliability suites: a folder per namespace under one root; records are the files
 * themselves, read and damaged with node:fs.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FileSessionStore } from '../../src/index.js';
import { V1_SESSIONS_DIR, v1FileName } from '../../src/layout.js';
import { tempRoot } from '../helpers.js';

const root = tempRoot('reliability')();
mkdirSync(root, { recursive: true });

/** The sessions folder of a namespace: `<root>/<namespace>/sessions`, so that its parent can be watched too. */
export const dirOf = (namespace: string) => join(root, namespace, 'sessions');

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? [path, ...walk(path)] : [path];
  });
}

export const fileHooks = {
  create: async (namespace: string) => new FileSessionStore({ dir: dirOf(namespace), fsync: false }),
  cleanup: async (namespace: string) => rmSync(join(root, namespace), { recursive: true, force: true }),
  // Every path under the root but the namespace's own sessions folder (its parent included).
  outside: async (namespace: string) =>
    walk(root)
      .map((p) => relative(root, p))
      .filter((p) => p !== join(namespace, 'sessions') && !p.startsWith(`${join(namespace, 'sessions')}/`)),
  tamper: async (namespace: string, id: string, mutate: (raw: string) => string) => {
    // Where the default layout ("v1", today's a3s-code) keeps a new session.
    const path = join(dirOf(namespace), V1_SESSIONS_DIR, v1FileName(id));
    // The v1 layout wraps the document in a snapshot envelope: a damage of the document goes inside it, a damage that
    // leaves no JSON object replaces the whole file.
    const envelope = JSON.parse(readFileSync(path, 'utf8')) as { session: unknown };
    const damaged = mutate(JSON.stringify(envelope.session));
    let inside: unknown;
    try {
      inside = JSON.parse(damaged);
    } catch {
      inside = undefined;
    }
    const isObject = typeof inside === 'object' && inside !== null && !Array.isArray(inside);
    writeFileSync(path, isObject ? JSON.stringify({ ...envelope, session: inside }) : damaged);
    return path;
  },
  rawDump: async (namespace: string) =>
    walk(dirOf(namespace))
      .filter((p) => statSync(p).isFile())
      .map((p) => readFileSync(p)),
};
