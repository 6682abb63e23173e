import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local (in memory) and one s3rver for the whole run; each test file makes its own
    // table and buckets (test/support/aws.ts).
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 90_000,
    env: { LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'WARN' },
    // Files run in parallel, one worker per core (2 on CI machines): the emulators' Java process and the
    // e2e test's own instances need the rest. Tests inside a file run in order.
    fileParallelism: true,
    maxWorkers: Math.max(1, Math.min(availableParallelism(), 4)),
  },
});
