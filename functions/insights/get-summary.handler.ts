import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { SummaryQuerySchema, summary } from '#shared/insights/insights.ts';

/** GET /v1/insights/summary: the last recompute's figures plus the monthly counters. */
export const handler = api('admin', async (req) => {
  parseWith(SummaryQuerySchema, req.query);
  return { status: 200, body: await summary({ insights: insightsStores().insights, tenant: req.principal.tenant }) };
});
