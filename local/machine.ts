import { availableParallelism, loadavg } from 'node:os';

/**
 * How oversubscribed this machine's cores are right now: the 1-minute load average per core, between 1
 * and 5 (1 where the OS reports no load average, as on Windows). Waits for something slow to start grow
 * with it, so a busy machine gets more time and an idle one fails as soon as before.
 */
export function busyFactor(): number {
  const perCore = (loadavg()[0] ?? 0) / availableParallelism();
  return Math.min(5, Math.max(1, perCore));
}
