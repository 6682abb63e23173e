import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoRequestCounter, dynamoRequestWindows } from '../../store/rate-limit.store.ts';
import { fairUse, type FairUse } from '../../domain/rate-limit.ts';
import { logger } from '../../logger.ts';

let limiter: FairUse | undefined;

/** The per-tenant fair-use limiter of this process (built once), with the deployment's default limits. */
export function fairUseLimiter(): FairUse {
  if (!limiter) {
    const c = config();
    limiter = fairUse({
      counter: dynamoRequestCounter(dynamo(), c.TABLE_NAME),
      defaults: {
        secret: { rate: c.FAIR_USE_SECRET_RATE, burst: c.FAIR_USE_SECRET_BURST },
        publishable: { rate: c.FAIR_USE_PUBLISHABLE_RATE, burst: c.FAIR_USE_PUBLISHABLE_BURST },
      },
      onCounterError: (error, tenantId, traffic) =>
        logger.warn('fair-use counter not updated; request served without the limit (fail open)', { tenantId, traffic, error: error instanceof Error ? error.name : String(error) }),
    });
  }
  return limiter;
}

let windows: ReturnType<typeof dynamoRequestWindows> | undefined;

/** The per-subject request windows of this process (built once): what a daily allowance counts in. */
export function requestWindows(): ReturnType<typeof dynamoRequestWindows> {
  windows ??= dynamoRequestWindows(dynamo(), config().TABLE_NAME);
  return windows;
}
