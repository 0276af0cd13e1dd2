import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.js';

export default defineConfig({
  test: {
    projects,
    // Backends share real servers and machines here have 2 cores: keep parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    // In CI also write a machine-readable report, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'node_modules/.vitest/results.json' }]]
      : ['default'],
    hookTimeout: 60_000,
  },
});
