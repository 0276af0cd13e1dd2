/**
 * Test-project settings every package shares: workspace packages resolve to their TypeScript sources (the
 * "@agent-sessions/source" export condition), so tests never run against a stale build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const SOURCE_CONDITION = '@agent-sessions/source';

function sourceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const dir of readdirSync(join(root, 'packages'))) {
    let pkg: { name?: string; exports?: Record<string, Record<string, string> | string> };
    try {
      pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === 'object' ? target[SOURCE_CONDITION] : undefined;
      if (!pkg.name || !source) continue;
      const spec = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
      aliases.push({
        find: new RegExp(`^${spec.replace(/[/.]/g, '\\$&')}$`),
        replacement: resolve(root, 'packages', dir, source),
      });
    }
  }
  return aliases;
}

export function packageProject(name: string, test: NonNullable<UserWorkspaceConfig['test']> = {}) {
  return defineProject({
    resolve: { alias: sourceAliases() },
    // Timeouts live here, not in the root config: vitest 4 projects do not inherit the root's test options, so
    // without these every project ran with the 5 s default, which child-process tests miss on a loaded 2-core box.
    test: { name, include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000, ...test },
  });
}
