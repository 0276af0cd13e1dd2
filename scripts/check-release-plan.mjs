// Checks what the next `changeset version` will do, without touching the repository: copies the package manifests,
// the workspace file and .changeset/ into a scratch folder under the system temp dir, runs `changeset version`
// there, and checks the versions it wrote: every publishable package stays 0.x (the CLI's optional peers on the
// stores must not turn into a major bump), all of them get one version, and every internal range points at it.
// Also runs `changeset status` against the base branch (it fails when a changed package has no changeset). Exits 1 naming what is wrong.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { publishablePackages, root } from './pack-packages.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'agent-sessions-release-plan-'));
const copy = (rel) => {
  if (!existsSync(join(root, rel))) return;
  mkdirSync(join(scratch, rel, '..'), { recursive: true });
  cpSync(join(root, rel), join(scratch, rel), { recursive: true });
};
for (const rel of ['package.json', 'pnpm-workspace.yaml', '.changeset']) copy(rel);
for (const parent of ['packages', 'examples']) {
  for (const d of readdirSync(join(root, parent))) copy(join(parent, d, 'package.json'));
}
copy('bench/package.json');

const changeset = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
const pending = readdirSync(join(scratch, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
execFileSync(process.execPath, [changeset, 'version'], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] });

const problems = [];
const before = new Map(publishablePackages().map((p) => [p.name, p.manifest.version]));
const after = new Map();
for (const { name, dir } of publishablePackages()) {
  const rel = dir.slice(root.length + 1);
  after.set(name, JSON.parse(readFileSync(join(scratch, rel, 'package.json'), 'utf8')));
}
const versions = new Set();
for (const [name, manifest] of after) {
  versions.add(manifest.version);
  if (semver.major(manifest.version) !== 0) problems.push(`${name} would become ${manifest.version}`);
  for (const field of ['dependencies', 'peerDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      const target = after.get(dep)?.version;
      if (target && !semver.satisfies(target, range.replace(/^workspace:/, '').replace(/^\^$/, `^${target}`))) {
        problems.push(`${name} ${field}.${dep} ${range} does not take ${dep}@${target}`);
      }
    }
  }
}
if (versions.size !== 1) problems.push(`versions would differ: ${[...after].map(([n, m]) => `${n}@${m.version}`)}`);
rmSync(scratch, { recursive: true, force: true });

// `changeset status` compares with the base branch, so it needs that branch (or its remote copy) in the clone.
const base = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8')).baseBranch;
const since = [base, `origin/${base}`].find((ref) => {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', ref], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (since === undefined) {
  console.log(
    `check-release-plan: neither ${base} nor origin/${base} is in this clone: \`changeset status\` cannot run`,
  );
} else {
  try {
    execFileSync(process.execPath, [changeset, 'status', `--since=${since}`], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    problems.push(`changeset status --since=${since} failed:\n${e.stdout}${e.stderr}`);
  }
}

if (problems.length > 0) {
  console.error(`check-release-plan: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(
  `check-release-plan: ${pending.length} changesets; ` +
    [...after].map(([n, m]) => `${n} ${before.get(n)} → ${m.version}`).join(', '),
);
