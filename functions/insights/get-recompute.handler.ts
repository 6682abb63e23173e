import { api } from '#shared/http/api.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { getRecompute } from '#shared/insights/insights.ts';

/** GET /v1/insights/recompute/{id}: `{ status, asOf, counts, reason? }`. */
export const handler = api('admin', async (req) => ({
  status: 200,
  body: await getRecompute({ insights: insightsStores().insights, tenant: req.principal.tenant }, req.params.id!),
}));
