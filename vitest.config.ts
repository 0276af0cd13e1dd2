import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.js';

export default defineConfig({
  test: {
    projects,
    // Backends share real servers and machines here have 2 cores: keep parallelism modest.
    maxWorkers: 2,
    // Per-test timeouts are set in vitest.shared.ts: projects do not inherit them from this file.
    // In CI also write a machine-readable report, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'node_modules/.vitest/results.json' }]]
      : ['default'],
  },
});
