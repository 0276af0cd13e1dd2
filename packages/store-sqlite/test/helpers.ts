import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp folder for this test file, removed after it. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sqlite-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
