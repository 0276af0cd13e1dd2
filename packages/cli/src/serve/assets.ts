/**
 * The page's files, read once at start: `web/index.html` and `web/viewer.css` as written, and the scripts that the
 * package's `tsc` build compiles from `web/*.ts` into `dist/web/`. Nothing is fetched from elsewhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// src/serve/ or dist/serve/ sits two levels below the package folder.
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Asset {
  contentType: string;
  body: Buffer;
}

/** URL path → file. The entry script imports its siblings by relative path, so they are served under /js/. */
export type AssetTable = ReadonlyMap<string, Asset>;

export function loadAssets(packageDir: string = PACKAGE_DIR): AssetTable {
  const scripts = join(packageDir, 'dist', 'web');
  if (!existsSync(join(scripts, 'main.js')))
    throw new Error(
      `the viewer's scripts are missing (${join(scripts, 'main.js')}); build the package first (pnpm build)`,
    );
  const table = new Map<string, Asset>([
    ['/', { contentType: 'text/html; charset=utf-8', body: readFileSync(join(packageDir, 'web', 'index.html')) }],
    [
      '/viewer.css',
      { contentType: 'text/css; charset=utf-8', body: readFileSync(join(packageDir, 'web', 'viewer.css')) },
    ],
  ]);
  for (const name of readdirSync(scripts))
    if (name.endsWith('.js'))
      table.set(`/js/${name}`, {
        contentType: 'text/javascript; charset=utf-8',
        body: readFileSync(join(scripts, name)),
      });
  return table;
}

/** Bytes of every file the page is made of: what a browser downloads to show it. */
export function pageWeight(assets: AssetTable): number {
  let bytes = 0;
  for (const asset of assets.values()) bytes += asset.body.length;
  return bytes;
}
