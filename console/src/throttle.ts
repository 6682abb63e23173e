/**
 * Fair use: the API answers `429` with `Retry-After` when this business has sent too many requests in its
 * window (shared/domain/rate-limit.ts). Every answer of the API passes `noteAnswer` (api.ts); a 429 moves
 * `waitUntil` forward, and everything that asks again on its own (progress polls, lists that load again)
 * waits until then rather than at its usual pace, which would only be refused again and keep the window
 * full. The frame shows the person that the console is waiting, why, and for how long (app.tsx).
 */
import { signal } from '@preact/signals';

/** When no Retry-After is given (or it cannot be read): a short pause rather than asking again at once. */
export const DEFAULT_RETRY_AFTER_MS = 5_000;
/** A Retry-After of 0 or a date gone by is read as this: a proxy answering so would otherwise get asked in a tight loop. */
export const MIN_RETRY_AFTER_MS = 1_000;
/** A Retry-After beyond this is read as this: a console that waits an hour looks broken. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** The time (ms since the epoch) before which nothing should ask again; 0 when not throttled. */
export const waitUntil = signal(0);

/** `Retry-After` in ms: delta-seconds (what the API sends) or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number {
  const raw = value?.trim();
  if (!raw) return DEFAULT_RETRY_AFTER_MS;
  // An HTTP date always ends in GMT; anything else (Date.parse takes almost anything) is unreadable.
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : /GMT$/i.test(raw) ? Date.parse(raw) - now : NaN;
  if (!Number.isFinite(ms)) return DEFAULT_RETRY_AFTER_MS;
  return Math.min(Math.max(ms, MIN_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS);
}

/**
 * A 429 that refuses one action, not the business's pace: its problem has `limit` (at most 3 imports pending
 * or running at once; likewise for exports). Its Retry-After is when a slot may free (up to an hour), not a
 * fair-use window: the page that asked says so, and nothing else waits for it.
 */
export const isActionLimit = (response: Pick<Response, 'status'>, problem?: unknown) =>
  response.status === 429 && typeof problem === 'object' && problem !== null && typeof (problem as { limit?: unknown }).limit === 'number';

/**
 * Every answer of the API (with its problem, if any): a fair-use 429 says how long to wait (a later wait never
 * shortens an earlier one). A per-action refusal (isActionLimit) moves nothing.
 */
export function noteAnswer(response: Pick<Response, 'status' | 'headers'>, now = Date.now(), problem?: unknown) {
  if (response.status !== 429 || isActionLimit(response, problem)) return;
  const until = now + retryAfterMs(response.headers.get('retry-after'), now);
  if (until > waitUntil.value) waitUntil.value = until;
}

/** How long to wait before asking again: the usual `ms`, or longer while the API asked to wait. */
export const delayBeforeNext = (ms: number, now = Date.now()) => Math.max(ms, waitUntil.value - now);

/** Whole seconds left to wait (0 when not waiting). */
export const secondsLeft = (now = Date.now()) => Math.max(0, Math.ceil((waitUntil.value - now) / 1000));
