/** Temp folders for tests: one root per test file, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh root folder for this test file; removed after all its tests. Call at module level. */
export function tempRoot(label: string): () => string {
  const root = mkdtempSync(join(tmpdir(), `store-file-${label}-${process.pid}-`));
  let n = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return () => join(root, `d${n++}`);
}
