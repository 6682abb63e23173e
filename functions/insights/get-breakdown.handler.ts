import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { BreakdownQuerySchema, breakdown } from '#shared/insights/insights.ts';

/** GET /v1/insights/breakdown?by=...: computed by the last recompute (it needs every card). */
export const handler = api('admin', async (req) => {
  const { by } = parseWith(BreakdownQuerySchema, req.query);
  return { status: 200, body: await breakdown({ insights: insightsStores().insights, tenant: req.principal.tenant }, by) };
});
