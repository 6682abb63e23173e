/**
 * Waiting before another try, in one place: full jitter, capped. Used by the retry module of the adapters
 * (shared/store/retry.ts) and by use cases that re-read and redo a read-merge-write that lost a race
 * (optimistic concurrency: an event, an update, a merge, an import window, a settings change).
 */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The first retry waits up to `baseMs`, then up to twice as long each time... */
  baseMs: number;
  /** ...never more than `capMs`. */
  capMs: number;
}

/** A use case that lost a race re-reads at once, then spreads out: racing writers stop colliding. */
export const OPTIMISTIC_RETRY: RetryPolicy = { attempts: 8, baseMs: 5, capMs: 200 };

let sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Tests replace the sleep so that retries take no real time. */
export function setRetrySleep(fn: ((ms: number) => Promise<void>) | undefined): void {
  sleep = fn ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
}

/** Full jitter: a random wait in [0, min(cap, base · 2^(retry−1))). */
export function backoffMs(retry: number, p: Pick<RetryPolicy, 'baseMs' | 'capMs'>): number {
  return Math.random() * Math.min(p.capMs, p.baseMs * 2 ** Math.max(0, retry - 1));
}

/** A pause before retry number `retry` (1 for the first retry). */
export const pause = (retry: number, p: Pick<RetryPolicy, 'baseMs' | 'capMs'> = OPTIMISTIC_RETRY) => sleep(backoffMs(retry, p));
