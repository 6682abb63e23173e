/**
 * Every time limit of the test suite, in one place. They bound how long a *broken* test may hang, never how
 * fast a working one must be: a test that passes only on an idle machine is a broken test, and these
 * machines (2 cores) are shared. The defaults grow with how busy the machine is when the run starts
 * (local/machine.ts: load per core, up to 5 times). Set any of them in the environment, in ms, to use
 * exactly that:
 *
 *   TEST_TIMEOUT_MS=300000 E2E_TIMEOUT_MS=600000 npm test
 *
 * DynamoDB Local's own start-up wait is DYNAMODB_START_TIMEOUT_MS (local/emulators.ts), shared with
 * `npm start` and `npm run keys`.
 */
import { busyFactor } from '../../local/machine.ts';

const busy = busyFactor();

function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return Math.round(fallback * busy);
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`${name} must be a whole number of milliseconds above 0, not "${raw}"`);
  return ms;
}

/** One unit, integration or infra test (vitest's testTimeout). */
export const TEST_TIMEOUT_MS = fromEnv('TEST_TIMEOUT_MS', 120_000);

/** One beforeAll/afterAll hook: a table and buckets made, handlers imported for the first time. */
export const HOOK_TIMEOUT_MS = fromEnv('TEST_HOOK_TIMEOUT_MS', 180_000);

/**
 * One e2e test, or its set-up: they start processes that start Java (`npm start`, `npm run keys`) and a
 * browser. Also any other test that starts DynamoDB Local itself.
 */
export const E2E_TIMEOUT_MS = fromEnv('E2E_TIMEOUT_MS', 180_000);

/**
 * A set-up or test that does the work of several: hundreds of events sent one by one, then whole recomputes
 * (the insights tests). Twice one test's limit, so it grows with the machine's load like the others.
 */
export const LONG_TIMEOUT_MS = 2 * TEST_TIMEOUT_MS;

/** Waiting for something that happens in the background (an import, an export, a page's answer, a mail). */
export const WAIT_TIMEOUT_MS = fromEnv('TEST_WAIT_TIMEOUT_MS', 60_000);

/**
 * The remaining time a test's Lambda context reports: the 15-minute Lambda maximum, so no middy early
 * timeout (shared/http/api.ts) can fire because the machine is busy. Tests of the time limit itself pass
 * their own short-lived context.
 */
export const LAMBDA_TIMEOUT_MS = 900_000;

/** Polls `probe` until it returns something other than undefined; fails after `ms` (WAIT_TIMEOUT_MS). */
export async function until<T>(probe: () => Promise<T | undefined>, ms = WAIT_TIMEOUT_MS, everyMs = 200): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms (raise TEST_WAIT_TIMEOUT_MS on a slow machine)`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
