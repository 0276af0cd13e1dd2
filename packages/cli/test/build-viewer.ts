/**
 * vitest global setup of the CLI project: the viewer serves its scripts from dist/web, which the package's build
 * compiles from web/*.ts. Build them (incrementally, so it is quick when nothing changed) so that tests never
 * drive a page older than its sources.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const pkgDir = fileURLToPath(new URL('..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'web'], { cwd: pkgDir, stdio: 'inherit' });
}
