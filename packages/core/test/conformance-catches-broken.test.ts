/**
 * The conformance suite exists to catch broken adapters: run it against each deliberately broken one (in a child
 * vitest run) and check that it fails, and fails in the test that names the defect; the reference adapter passes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BROKEN } from './broken/adapters.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const vitestBin = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');
const out = mkdtempSync(join(tmpdir(), 'broken-adapters-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface JsonReport {
  numFailedTests: number;
  numPassedTests: number;
  testResults: { assertionResults: { title: string; status: string }[] }[];
}

function runSuite(adapter: string): Promise<JsonReport> {
  const file = join(out, `${adapter}.json`);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        vitestBin,
        'run',
        '--config',
        join(here, 'broken', 'vitest.config.ts'),
        '--reporter=json',
        `--outputFile=${file}`,
      ],
      { env: { ...process.env, BROKEN_ADAPTER: adapter }, cwd: join(here, 'broken'), maxBuffer: 64 * 1024 * 1024 },
      () => {
        try {
          resolve(JSON.parse(readFileSync(file, 'utf8')) as JsonReport);
        } catch (error) {
          reject(error);
        }
      },
    );
  });
}

describe('the conformance suite catches broken adapters', () => {
  for (const [name, { mustFail }] of Object.entries(BROKEN)) {
    it(mustFail.length ? `fails ${name}` : `passes the reference adapter (${name})`, async () => {
      const report = await runSuite(name);
      const results = report.testResults.flatMap((f) => f.assertionResults);
      expect(results.length).toBeGreaterThan(40);
      const failed = results.filter((r) => r.status === 'failed').map((r) => r.title);
      if (mustFail.length === 0) expect(failed).toEqual([]);
      else for (const title of mustFail) expect(failed).toContain(title);
    }, 120_000);
  }
});
