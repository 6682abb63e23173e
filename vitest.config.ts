import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { E2E_TIMEOUT_MS, HOOK_TIMEOUT_MS, TEST_TIMEOUT_MS, WAIT_TIMEOUT_MS } from './test/support/timeouts.ts';

const LOST_LOG_LINE = /Closing rpc while "onUserConsoleLog" was pending/;

/** TEST_WORKERS (a whole number) sets how many files run at once; by default one per core, at most 4. */
function workers(): number {
  const raw = process.env.TEST_WORKERS?.trim();
  if (!raw) return Math.max(1, Math.min(availableParallelism(), 4));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TEST_WORKERS must be a whole number above 0, not "${raw}"`);
  return n;
}

/**
 * Unit test files that change what other files would see if they shared a module graph: they mock modules,
 * stub globals or the environment, patch the AWS SDK (aws-sdk-client-mock), fake the clock or spy on a
 * shared object. Found by reading the files (so a new file that does so is isolated without anyone listing
 * it); they run as `unit-isolated`, each with modules of its own. The other unit files share their worker's
 * modules (`unit`, not isolated): loading the SDK and our modules once per worker instead of once per file
 * took the 89 of them from 42 s to 15 s (quiet, 2 cores); they pass in any file order (checked with
 * `--sequence.shuffle.files`).
 */
const CHANGES_SHARED_STATE = /vi\.(mock|doMock|stubEnv|stubGlobal|useFakeTimers|spyOn|resetModules)\b|process\.env\b|mockClient\b|globalThis\.|process\.chdir\b|setSystemTime\b/;
const UNIT = 'test/unit';
const UNIT_ENV = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'eu-south-1', AWS_ACCESS_KEY_ID: 'unit', AWS_SECRET_ACCESS_KEY: 'unit' };
/** The test helpers that do so themselves (helpers/logs.ts spies on stdout): a file importing one is isolated too. */
const HELPERS_CHANGING_STATE = ['test/helpers', 'test/support'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && CHANGES_SHARED_STATE.test(readFileSync(`${dir}/${f}`, 'utf8')))
    .map((f) => new RegExp(`['"][./]*${dir.replace('test/', '')}/${f.replace(/\.ts$/, '').replace(/[.-]/g, '\\$&')}(\\.ts)?['"]`)),
);
const ISOLATED_UNIT_FILES = readdirSync(UNIT)
  .filter((f) => {
    if (!f.endsWith('.test.ts')) return false;
    const text = readFileSync(`${UNIT}/${f}`, 'utf8');
    return CHANGES_SHARED_STATE.test(text) || HELPERS_CHANGING_STATE.some((helper) => helper.test(text));
  })
  .map((f) => `${UNIT}/${f}`);

/**
 * Six projects; `vitest run` (npm test) runs them all, `--project 'unit*'` (npm run test:unit) the two of unit
 * tests. Only `integration` needs the emulators: its global set-up starts one DynamoDB Local (Java) and one
 * s3rver for the run, and only when an integration file is part of it. Unit and infra tests run without Java;
 * e2e tests start their own `npm start`; the console's (`e2e-console`) share one, started by their global set-up.
 */
export default defineConfig({
  test: {
    // A child process per file by default; the unit and integration files run in worker threads instead, a
    // fresh module graph each but no Node process to start (measured quiet: integration 406 s instead of 486 s,
    // unit 69 s instead of 82 s). Each thread has its own copy of process.env, which those files set.
    pool: 'forks',
    // Time limits are generous, grow with the machine's load and are set in one place
    // (test/support/timeouts.ts): they catch a hung test, they do not measure speed.
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: HOOK_TIMEOUT_MS,
    // A console line a worker thread was still sending when its file ended (something the file started logging
    // after its last test) is lost, and vitest counts that as an unhandled error that fails a run in which every
    // test passed (seen once on a clean clone, from test/integration/export-workflow.test.ts). Only that error is
    // ignored: a lost log line; every other unhandled error still fails the run.
    onUnhandledError: (error) => (LOST_LOG_LINE.test(String(error.message)) ? false : undefined),
    env: {
      LOG_LEVEL: 'WARN',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      // The limits as worked out here, at the start of the run, so every test file uses the same ones.
      TEST_TIMEOUT_MS: String(TEST_TIMEOUT_MS),
      TEST_HOOK_TIMEOUT_MS: String(HOOK_TIMEOUT_MS),
      E2E_TIMEOUT_MS: String(E2E_TIMEOUT_MS),
      TEST_WAIT_TIMEOUT_MS: String(WAIT_TIMEOUT_MS),
    },
    // Files run in parallel, one worker per core (2 on CI machines): the emulators' Java process and the
    // e2e test's own instances need the rest. Tests inside a file run in order.
    fileParallelism: true,
    maxWorkers: workers(),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          pool: 'threads',
          isolate: false,
          include: ['test/unit/*.test.ts'],
          exclude: ISOLATED_UNIT_FILES,
          // No emulator, and no AWS: an SDK call a unit test forgot to mock fails at once on a closed port.
          env: UNIT_ENV,
        },
      },
      { extends: true, test: { name: 'unit-isolated', pool: 'threads', include: ISOLATED_UNIT_FILES, env: UNIT_ENV } },
      {
        extends: true,
        test: {
          name: 'integration',
          pool: 'threads',
          include: ['test/integration/**/*.test.ts'],
          // One DynamoDB Local (in memory) and one s3rver for the whole run; each test file makes its own
          // table and buckets (test/support/aws.ts).
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      // Not isolated: the files of a worker share aws-cdk-lib, loaded once, and the synthesised app
      // (test/infra/support.ts synthClientela); none mocks a module or changes the environment.
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], isolate: false } },
      // The console's files share one `npm start` (test/support/console-global-setup.ts), each in a tenant of its own.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], exclude: ['test/e2e/console*.test.ts'], testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS } },
      {
        extends: true,
        test: { name: 'e2e-console', include: ['test/e2e/console*.test.ts'], globalSetup: ['test/support/console-global-setup.ts'], testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS },
      },
    ],
  },
});
