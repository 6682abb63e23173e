import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { NoQuerySchema } from '#shared/http/no-query.schema.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { getRecompute } from '#shared/insights/insights.ts';

/** GET /v1/insights/recompute/{id}: `{ status, asOf, counts, reason? }`; takes no query parameters. */
export const handler = api('admin', async (req) => {
  parseWith(NoQuerySchema, req.query);
  return { status: 200, body: await getRecompute({ insights: insightsStores().insights, tenant: req.principal.tenant }, req.params.id!) };
});
