import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { ForecastQuerySchema, forecast } from '#shared/insights/insights.ts';

/** GET /v1/insights/forecast?days=N: from the forecast curve the last recompute stored. */
export const handler = api('admin', async (req) => {
  const { days } = parseWith(ForecastQuerySchema, req.query);
  return { status: 200, body: await forecast({ insights: insightsStores().insights, tenant: req.principal.tenant }, days) };
});
