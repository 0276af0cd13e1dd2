// An application outside the workspace: for each backend below, packs the packages, installs only core, that
// backend and its driver into a fresh folder under the system temp dir with npm (the tarballs by file path, the
// driver from the registry), and runs a ten-line program against a real server. Fails if the program fails, if
// any other backend or driver was installed, if `require()` of core fails where Node supports require(esm)
// (20.19+), or (sqlite) if strict TypeScript without skipLibCheck rejects the program.
// REDIS_URL names the Redis server (default redis://127.0.0.1:6379). npm_config_nodedir is passed through (npm
// compiles better-sqlite3 where no prebuilt binary exists).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAll, root } from './pack-packages.mjs';

const DRIVERS = {
  'store-file': [],
  'store-sqlite': ['better-sqlite3'],
  'store-redis': ['ioredis'],
  'store-postgres': ['pg'],
  'store-s3': ['@aws-sdk/client-s3'],
  'store-memory': [],
};
const tag = `consumer-${process.pid}`;
const redis = (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/$/, '');
const CASES = [
  { backend: 'store-sqlite', url: (dir) => `sqlite:${join(dir, 'sessions.db')}`, types: ['@types/better-sqlite3'] },
  { backend: 'store-redis', url: () => `${redis}?prefix=${tag}:` },
  { backend: 'store-file', url: (dir) => `file:${join(dir, 'sessions')}` },
];

const PROGRAM = `import { createSession, openSessionStore } from '@agent-sessions/core';
const store = await openSessionStore(process.argv[2]);
const session = createSession({ name: 'consumer', model: 'm' });
session.messages.push({ role: 'user', content: [{ type: 'text', text: 'hello' }] });
const { revision } = await store.save(session, { expectedRevision: 0 });
const reply = { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'hi' }] };
await store.appendMessages(session.id, [reply], { expectedRevision: revision });
const loaded = await store.load(session.id);
const { sessions } = await store.listSessions({ limit: 10 });
await store.delete(session.id);
await store.close();
console.log(JSON.stringify({ messages: loaded?.messages.length, listed: sessions.some((s) => s.id === session.id) }));
`;
const REQUIRE = `const core = require('@agent-sessions/core');
console.log(typeof core.openSessionStore + ' ' + typeof core.createSession);
`;

const packed = packAll();
const tarball = (dir) => packed.get(`@agent-sessions/${dir}`).tarball;
const problems = [];
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

for (const { backend, url, types = [] } of CASES) {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `agent-sessions-${backend}-`));
  const fail = (what) => problems.push(`${backend}: ${what}`);
  try {
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`,
    );
    const drivers = DRIVERS[backend];
    run('npm', ['install', '--no-audit', '--no-fund', tarball('core'), tarball(backend), ...drivers, ...types], dir);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    const installed = new Set(Object.keys(lock.packages).map((p) => p.replace(/^.*node_modules\//, '')));
    for (const [other, otherDrivers] of Object.entries(DRIVERS)) {
      if (other === backend) continue;
      for (const name of [`@agent-sessions/${other}`, ...otherDrivers]) {
        if (installed.has(name) && !drivers.includes(name)) fail(`${name} was installed too`);
      }
    }
    if (installed.has('@agent-sessions/cli')) fail('@agent-sessions/cli was installed too');
    writeFileSync(join(dir, 'main.ts'), PROGRAM);
    // Node 20 runs no TypeScript: the same program with its two type assertions removed.
    writeFileSync(join(dir, 'main.mjs'), PROGRAM.replaceAll(' as const', ''));
    const out = JSON.parse(run(process.execPath, ['main.mjs', url(dir)], dir));
    if (out.messages !== 2 || out.listed !== true) fail(`the program printed ${JSON.stringify(out)}`);
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major > 20 || (major === 20 && minor >= 19)) {
      writeFileSync(join(dir, 'require.cjs'), REQUIRE);
      const required = run(process.execPath, ['require.cjs'], dir).trim();
      if (required !== 'function function') fail(`require() of core gave ${required}`);
    }
    if (types.length > 0) {
      const tsconfig = {
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false },
        files: ['main.ts'],
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
      run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
    }
    console.log(`check-consumers: ${backend} ok in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
  } catch (e) {
    fail(`${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
rmSync(join(tarball('core'), '..'), { recursive: true, force: true });

if (problems.length > 0) {
  console.error(`check-consumers: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
