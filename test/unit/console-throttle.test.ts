/** The console's fair-use wait (console/src/throttle.ts): how long a 429's Retry-After makes everything wait. */
import { describe, expect, it } from 'vitest';

type Throttle = {
  retryAfterMs: (value: string | null | undefined, now?: number) => number;
  noteAnswer: (response: { status: number; headers: Headers }, now?: number) => void;
  delayBeforeNext: (ms: number, now?: number) => number;
  secondsLeft: (now?: number) => number;
  DEFAULT_RETRY_AFTER_MS: number;
  MIN_RETRY_AFTER_MS: number;
  MAX_RETRY_AFTER_MS: number;
};
// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const throttle = async () => (await import(/* @vite-ignore */ new URL('../../console/src/throttle.ts', import.meta.url).href)) as Throttle;
const answer = (status: number, retryAfter?: string) => ({ status, headers: new Headers(retryAfter === undefined ? {} : { 'retry-after': retryAfter }) });

describe('Retry-After', () => {
  it('reads seconds and HTTP dates; missing or unreadable is a short pause; absurd is capped; 0 or past is a second', async () => {
    const { retryAfterMs, DEFAULT_RETRY_AFTER_MS, MIN_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS } = await throttle();
    expect(MIN_RETRY_AFTER_MS).toBe(1_000);
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(retryAfterMs('30', now)).toBe(30_000);
    // A proxy answering 429 with Retry-After 0 (or a date gone by) would otherwise be asked in a tight loop.
    expect(retryAfterMs(' 0 ', now)).toBe(MIN_RETRY_AFTER_MS);
    expect(retryAfterMs('Mon, 30 Nov 2026 10:00:12 GMT', now)).toBe(12_000);
    expect(retryAfterMs('Mon, 30 Nov 2026 09:59:00 GMT', now)).toBe(MIN_RETRY_AFTER_MS);
    expect(retryAfterMs(null, now)).toBe(DEFAULT_RETRY_AFTER_MS);
    expect(retryAfterMs('soon', now)).toBe(DEFAULT_RETRY_AFTER_MS);
    expect(retryAfterMs('-5', now)).toBe(DEFAULT_RETRY_AFTER_MS);
    expect(retryAfterMs('86400', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('a 429 holds every next poll back until its Retry-After has passed; a shorter later one does not shorten it', async () => {
    const { noteAnswer, delayBeforeNext, secondsLeft } = await throttle();
    const t = 1_000_000;
    expect(delayBeforeNext(1000, t)).toBe(1000);
    noteAnswer(answer(200, '30'), t);
    expect(delayBeforeNext(1000, t)).toBe(1000);
    noteAnswer(answer(429, '30'), t);
    expect(delayBeforeNext(1000, t)).toBe(30_000);
    expect(delayBeforeNext(1000, t + 29_500)).toBe(1000);
    expect(delayBeforeNext(0, t + 29_500)).toBe(500);
    expect(secondsLeft(t + 100)).toBe(30);
    noteAnswer(answer(429, '2'), t + 1000);
    expect(delayBeforeNext(0, t + 1000)).toBe(29_000);
    expect(secondsLeft(t + 30_000)).toBe(0);
    expect(delayBeforeNext(1500, t + 30_000)).toBe(1500);
  });
});
