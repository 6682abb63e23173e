import { api } from '#shared/http/api.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { summary } from '#shared/insights/insights.ts';

/** GET /v1/insights/summary: the last recompute's figures plus the monthly counters. */
export const handler = api('admin', async (req) => ({ status: 200, body: await summary({ insights: insightsStores().insights, tenant: req.principal.tenant }) }));
