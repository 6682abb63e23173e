import { insightsStores } from '#shared/http/insights-stores.ts';
import { startNightlyRecomputes } from '#shared/insights/insights.ts';
import { startInsights } from '#shared/workflows.ts';
import { logger } from '#shared/logger.ts';

/** The nightly schedule (EventBridge): one recompute per tenant. */
export const handler = async () => {
  const started = await startNightlyRecomputes({ insights: insightsStores().insights, start: startInsights });
  logger.info('nightly insights started', { tenants: started.length });
  return { started: started.length };
};
