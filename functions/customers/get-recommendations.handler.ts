import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { RecommendationsQuerySchema, recommendationsOf } from '#shared/insights/baskets-api.ts';

/** GET /v1/customers/{id}/recommendations: what the last recompute put on the card, with the SKUs behind each. */
export const handler = api('admin', async (req) => {
  const { limit } = parseWith(RecommendationsQuerySchema, req.query);
  const id = req.params.id!;
  const card = await insightsStores().insights.card(req.principal.tenant.id, id);
  return { status: 200, body: await recommendationsOf(card as never, id, limit) };
});
