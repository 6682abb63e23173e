import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two cores: two files at a time keeps DynamoDB Local responsive.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    env: { LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'WARN' },
  },
});
