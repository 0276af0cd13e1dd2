// Packs every publishable package (packages/* that are not private) with `pnpm pack`, as `pnpm publish` would
// (workspace: ranges replaced), into one folder. Imported by the check scripts; run directly it packs into the
// folder given as argument (default: a new folder under the system temp dir) and prints one tarball per line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The publishable packages: `{ name, dir, manifest }` of every non-private package under packages/. */
export function publishablePackages() {
  const dirs = readdirSync(join(root, 'packages'), { withFileTypes: true }).filter((d) => d.isDirectory());
  return dirs
    .map((d) => {
      const dir = join(root, 'packages', d.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return { name: manifest.name, dir, manifest };
    })
    .filter((p) => !p.manifest.private);
}

/** Packs every publishable package into `dest`; returns a Map of package name → `{ tarball, files }`. */
export function packAll(dest = mkdtempSync(join(tmpdir(), 'agent-sessions-pack-'))) {
  const packed = new Map();
  for (const { name, dir } of publishablePackages()) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', dest, '--json'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const info = JSON.parse(out);
    packed.set(name, { tarball: info.filename, files: info.files.map((f) => f.path) });
  }
  return packed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { tarball } of packAll(process.argv[2] ? resolve(process.argv[2]) : undefined).values()) {
    console.log(tarball);
  }
}
