import { api, type ApiResponse } from '#shared/http/api.ts';
import { mergedCustomerAnswer } from '#shared/http/merged-customer.ts';
import { parseWith } from '#shared/http/problem.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { RecommendationsQuerySchema, recommendationsOf } from '#shared/insights/baskets-api.ts';

/** GET /v1/customers/{id}/recommendations: what the last recompute put on the card, with the SKUs behind each. */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  const { limit } = parseWith(RecommendationsQuerySchema, req.query);
  const tenantId = req.principal.tenant.id;
  const id = req.params.id!;
  const card = await insightsStores().insights.card(tenantId, id);
  // A customer merged into another: 301 to the survivor's recommendations (an erased one stays 404).
  return recommendationsOf(card, id, limit).then(
    (body): ApiResponse => ({ status: 200, body }),
    (e: unknown) => mergedCustomerAnswer(e, tenantId, id, { subpath: '/recommendations', query: req.query }),
  );
});
