import { insightsStores } from '#shared/http/insights-stores.ts';
import { startNightlyRecomputes } from '#shared/insights/insights.ts';
import { startInsights } from '#shared/workflows.ts';
import { logger } from '#shared/logger.ts';

/** The nightly schedule (EventBridge): one recompute per tenant. */
export const handler = async () => {
  const { started, skipped } = await startNightlyRecomputes({ insights: insightsStores().insights, start: startInsights });
  // A tenant whose recompute still runs (an earlier request, or last night's) is left to it.
  logger.info('nightly insights started', { tenants: started.length, skipped });
  return { started: started.length, skipped: skipped.length };
};
