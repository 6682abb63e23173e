import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { basketsStores } from '#shared/http/insights-stores.ts';
import { KeywordsQuerySchema, keywordsReport } from '#shared/insights/baskets-api.ts';

/** GET /v1/insights/keywords: words and phrases of the period against the previous one, from the stored corpus. */
export const handler = api('admin', async (req) => {
  const query = parseWith(KeywordsQuerySchema, req.query);
  return { status: 200, body: await keywordsReport({ baskets: basketsStores().baskets, tenant: req.principal.tenant }, query) };
});
