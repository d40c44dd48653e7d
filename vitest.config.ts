import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  // .vue single-file components in the UI's component tests (test/ui).
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    // The statistical tests (queueing theory, long runs) take a while.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Forks: each test file in its own process (worker_threads tests spawn their own workers).
    pool: 'forks',
    // vitest's own report, then one plain `tests: N passed, N failed, N skipped` line.
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
