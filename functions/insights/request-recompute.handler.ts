import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { RecomputeRequestSchema, requestRecompute } from '#shared/insights/insights.ts';
import { startInsights } from '#shared/workflows.ts';
import { config } from '#shared/config.ts';
import { requestWindows } from '#shared/http/stores/rate-limits.ts';

/**
 * POST /v1/insights/recompute: record a recompute and start the workflow; 202 with the id to poll. At most
 * RECOMPUTES_PER_DAY a UTC day per tenant (429 naming `limit`), counted in the table's rate windows.
 */
export const handler = api('admin', async (req) => {
  const body = parseWith(RecomputeRequestSchema, req.body ?? {});
  const allowance = { perDay: config().RECOMPUTES_PER_DAY, count: (t: string, dayStart: number, seconds: number) => requestWindows().countRequest(t, 'RECOMPUTE', dayStart, seconds) };
  const { recomputeId } = await requestRecompute({ insights: insightsStores().insights, tenant: req.principal.tenant, start: startInsights, allowance }, body);
  return { status: 202, body: { recomputeId }, headers: { location: `/v1/insights/recompute/${recomputeId}` } };
});
