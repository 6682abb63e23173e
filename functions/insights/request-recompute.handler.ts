import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { RecomputeRequestSchema, requestRecompute } from '#shared/insights/insights.ts';
import { startInsights } from '#shared/workflows.ts';

/** POST /v1/insights/recompute: record a recompute and start the workflow; 202 with the id to poll. */
export const handler = api('admin', async (req) => {
  const body = parseWith(RecomputeRequestSchema, req.body ?? {});
  const { recomputeId } = await requestRecompute({ insights: insightsStores().insights, tenant: req.principal.tenant, start: startInsights }, body);
  return { status: 202, body: { recomputeId }, headers: { location: `/v1/insights/recompute/${recomputeId}` } };
});
