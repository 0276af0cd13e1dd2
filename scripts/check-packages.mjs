// Checks what `pnpm publish` would upload: packs every publishable package, then for each tarball checks the
// manifest (versions equal, repository/homepage/bugs/keywords, sideEffects, no `bench` script, no workspace:
// range left), the files (LICENSE, README without relative links, no tests; core: ADAPTERS.md = the example's
// README), and runs publint and @arethetypeswrong/cli on it.
// attw runs every resolution (node10, node16 from CJS and ESM, bundler) and ignores one rule only:
// cjs-resolves-to-esm, since the packages are ESM-only by design (require() of them works from Node 20.19; see the
// READMEs). Exits 1 naming every problem.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packAll, root } from './pack-packages.mjs';

const REPOSITORY = 'git+https://github.com/agent-sessions/agent-sessions.git';
const bin = (name) => join(root, 'node_modules', '.bin', name);
const problems = [];
const started = Date.now();

const packed = packAll();
const versions = new Set();
for (const [name, { tarball, files }] of packed) {
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const fail = (what) => problems.push(`${name}: ${what}`);
  versions.add(manifest.version);
  if (manifest.license !== 'MIT') fail(`license is ${manifest.license}`);
  if (manifest.repository?.url !== REPOSITORY) fail(`repository.url is ${manifest.repository?.url}`);
  if (!manifest.repository?.directory) fail('repository.directory is missing');
  if (!manifest.homepage?.startsWith('https://github.com/agent-sessions/agent-sessions')) fail('homepage');
  if (!manifest.bugs?.url) fail('bugs.url is missing');
  if (!(manifest.keywords?.length > 0)) fail('keywords are missing');
  if (manifest.sideEffects !== false) fail('sideEffects is not false');
  if (manifest.scripts?.bench) fail('ships a bench script that only works in the repository');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) fail(`${field}.${dep} is still ${range}`);
      if (dep.startsWith('@agent-sessions/') && /^\^?0\.0\./.test(range)) fail(`${field}.${dep} is ${range}`);
    }
  }
  for (const required of ['LICENSE', 'README.md', 'package.json']) {
    if (!files.includes(required)) fail(`${required} is not in the tarball`);
  }
  const tests = files.filter((f) => /(^|\/)(test|tests|__tests__)\/|\.test\.[cm]?[jt]s$|\.tsbuildinfo$/.test(f));
  if (tests.length > 0) fail(`ships test or build files: ${tests.join(', ')}`);
  const run = (tool, args) => {
    try {
      execFileSync(bin(tool), args, { cwd: dirname(tarball), encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      fail(`${tool} failed:\n${e.stdout}${e.stderr}`);
    }
  };
  if (name === '@agent-sessions/core') {
    // The adapter authors' guide ships in core; it must be the example's README, word for word.
    const shipped = execFileSync('tar', ['-xOzf', tarball, 'package/ADAPTERS.md'], { encoding: 'utf8' });
    const guide = readFileSync(join(root, 'examples', 'third-party-adapter', 'README.md'), 'utf8');
    if (shipped !== guide) fail('ADAPTERS.md differs from examples/third-party-adapter/README.md (copy it over)');
  }
  const readme = execFileSync('tar', ['-xOzf', tarball, 'package/README.md'], { encoding: 'utf8' });
  const relative = readme.match(/\]\((?!https?:|#)[^)]*\)/g);
  if (relative) fail(`README.md has relative links, dead once published: ${relative.join(' ')}`);
  run('publint', ['--strict', tarball]);
  run('attw', [tarball, '--format', 'ascii', '--ignore-rules', 'cjs-resolves-to-esm']);
}
if (versions.size !== 1) problems.push(`versions differ: ${[...versions].join(', ')}`);
rmSync(dirname([...packed.values()][0].tarball), { recursive: true, force: true });

if (problems.length > 0) {
  console.error(`check-packages: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(
  `check-packages: ${packed.size} tarballs clean (publint, attw) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
