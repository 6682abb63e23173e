import type { RequestCounter, TrafficClass } from './rate-limit.ports.ts';
import { TooManyRequestsError } from './errors.ts';

/**
 * Fair use per tenant: each tenant's keyed traffic has its own budget, counted across every Lambda instance
 * in the table, so one tenant's burst is refused with a 429 before it can use up the capacity the others
 * share (the stage throttle, the functions' concurrency, the table). Secret-key traffic (the business's
 * own servers) and publishable-key traffic (anyone's browser on the tenant's web site) are counted apart:
 * a stranger flooding a shop's contact form uses up the shop's publishable budget only, never the budget of
 * the shop's own integrations.
 *
 * The counter is a fixed window: `burst / rate` seconds (rounded, at least 1) admitting `burst` requests,
 * one atomic ADD per request on an item of its own (no read, no conditional write, so no contention between
 * instances). At most `rate` per second are served over time, at most `burst` at once (2 × burst across a
 * window boundary, the price of a counter that costs one write).
 */
export type { TrafficClass } from './rate-limit.ports.ts';

/** Sustained requests per second, and how many may come at once. */
export interface FairUseLimit {
  rate: number;
  burst: number;
}

export type FairUseLimits = Record<TrafficClass, FairUseLimit>;

/** What a tenant item may carry: an operator's override of the deployment defaults, per class. */
export type FairUseOverride = Partial<FairUseLimits>;

/** The deployment defaults when the environment sets none (shared/config.ts FAIR_USE_*). */
export const DEFAULT_FAIR_USE: FairUseLimits = {
  secret: { rate: 20, burst: 200 },
  publishable: { rate: 5, burst: 50 },
};

/** A usable limit: positive, finite numbers (a hand-edited tenant item could hold anything). */
export const isFairUseLimit = (l: unknown): l is FairUseLimit =>
  typeof l === 'object' && l !== null && Number.isFinite((l as FairUseLimit).rate) && (l as FairUseLimit).rate > 0 && Number.isInteger((l as FairUseLimit).burst) && (l as FairUseLimit).burst >= 1;

/** The window a limit counts in. */
export function windowOf(limit: FairUseLimit): { seconds: number; allowance: number } {
  return { seconds: Math.max(1, Math.round(limit.burst / limit.rate)), allowance: limit.burst };
}

export interface FairUseOptions {
  counter: RequestCounter;
  defaults: FairUseLimits;
  /**
   * The counter could not be updated (throttled, timed out, unreachable). The request is served anyway
   * (fail open): the limit keeps tenants fair, it does not guard data, and refusing every tenant because
   * the counter is slow would turn a table hiccup into an outage for all of them. The stage throttle still
   * bounds the whole API. This callback logs it, so an alarm can see it.
   */
  onCounterError?: (error: unknown, tenantId: string, traffic: TrafficClass) => void;
}

export interface FairUse {
  /** Counts the request; throws TooManyRequestsError (429, Retry-After) when the tenant's window is full. */
  admit(p: { tenantId: string; traffic: TrafficClass; override?: FairUseOverride; now?: Date }): Promise<void>;
}

/**
 * The limiter of one process. Once a window is found full, this process refuses the rest of that tenant's
 * window without writing: a tenant hammering the API costs the table about `burst` writes per window plus
 * one per instance, not one per refused request (which keeps the counter item far below the 1,000 writes
 * per second a partition takes).
 */
export function fairUse(options: FairUseOptions): FairUse {
  const fullUntil = new Map<string, number>();
  return {
    async admit({ tenantId, traffic, override, now = new Date() }) {
      const own = override?.[traffic];
      // An unusable override (hand-edited) falls back to the deployment default rather than failing every request.
      const limit = isFairUseLimit(own) ? own : options.defaults[traffic];
      const { seconds, allowance } = windowOf(limit);
      const nowS = now.getTime() / 1000;
      const windowStart = Math.floor(nowS / seconds) * seconds;
      const retryAfter = Math.max(1, Math.ceil(windowStart + seconds - nowS));
      const id = `${tenantId}#${traffic}`;
      const refuse = () =>
        new TooManyRequestsError(
          `This account sent more than ${allowance} requests with ${traffic === 'secret' ? 'secret' : 'publishable'} keys in ${seconds} seconds (fair use: ${limit.rate} per second, ${limit.burst} at once); try again in ${retryAfter} s`,
          retryAfter,
        );
      const until = fullUntil.get(id);
      if (until !== undefined && until > nowS) throw refuse();
      let count: number;
      try {
        count = await options.counter.count(tenantId, traffic, windowStart, seconds);
      } catch (error) {
        options.onCounterError?.(error, tenantId, traffic);
        return;
      }
      if (count > allowance) {
        if (fullUntil.size > 10_000) fullUntil.clear();
        fullUntil.set(id, windowStart + seconds);
        throw refuse();
      }
    },
  };
}
