import * as z from '#shared/domain/zod.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { nightlyTenants, startNightlyRecompute } from '#shared/insights/insights.ts';
import { startInsights } from '#shared/workflows.ts';
import { logger } from '#shared/logger.ts';

/**
 * The nightly workflow's tasks (infra/insights-workflow.ts, NightlyInsights), invoked by Step Functions:
 * `list` answers every tenant once; `start` records and starts one tenant's recompute when the workflow reaches
 * it (a few at a time), or says it was skipped because one is running.
 */
const NightlyStep = z.discriminatedUnion('step', [z.strictObject({ step: z.literal('list') }), z.strictObject({ step: z.literal('start'), tenantId: z.string().check(z.minLength(1)) })]);

export const handler = async (event: unknown) => {
  const input = NightlyStep.parse(event);
  const insights = insightsStores().insights;
  if (input.step === 'list') {
    const tenants = await nightlyTenants({ insights });
    logger.info('nightly insights: tenants listed', { tenants: tenants.length });
    return { tenants };
  }
  const result = await startNightlyRecompute({ insights, start: startInsights }, input.tenantId);
  // A tenant whose recompute still runs (an earlier request, or last night's) is left to it.
  logger.info('nightly insights: tenant reached', result);
  return result;
};
