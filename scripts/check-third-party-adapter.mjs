// Proves examples/third-party-adapter works as a package outside this repository would: copies it to a fresh
// folder under the system temp dir, points its @agent-sessions/core dev dependency at the packed tarball, installs
// with npm (everything else from the registry), then typechecks it (strict, no skipLibCheck for its sources),
// builds it and runs its conformance test. Fails if any step fails or the suite ran no test.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { packAll, root } from './pack-packages.mjs';

const started = Date.now();
const source = join(root, 'examples', 'third-party-adapter');
const dir = mkdtempSync(join(tmpdir(), 'agent-sessions-third-party-'));
const packed = packAll();
const core = packed.get('@agent-sessions/core');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let failure = null;
try {
  cpSync(source, dir, { recursive: true, filter: (p) => !/[\\/](node_modules|dist)([\\/]|$)/.test(p) });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const coreVersion = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8')).version;
  const peer = manifest.peerDependencies['@agent-sessions/core'];
  if (!semver.satisfies(coreVersion, peer)) {
    throw new Error(`its peer range ${peer} does not take core ${coreVersion}: update the example's package.json`);
  }
  manifest.devDependencies['@agent-sessions/core'] = `file:${core.tarball}`;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund']);
  run('npm', ['run', 'typecheck']);
  run('npm', ['run', 'build']);
  run('npm', ['test', '--', '--reporter=json', '--outputFile=results.json']);
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  if (results.numFailedTests !== 0 || results.numPassedTests === 0) {
    throw new Error(`${results.numPassedTests} passed, ${results.numFailedTests} failed`);
  }
  console.log(
    `check-third-party-adapter: ${results.numPassedTests} passed, ${results.numPendingTests} skipped ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (e) {
  failure = `${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`;
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(core.tarball, '..'), { recursive: true, force: true });
}
if (failure) {
  console.error(`check-third-party-adapter: ${failure}`);
  process.exit(1);
}
