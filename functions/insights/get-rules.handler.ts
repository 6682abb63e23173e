import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { basketsStores } from '#shared/http/insights-stores.ts';
import { decodeCursor, encodeCursor } from '#shared/store/cursor.ts';
import { RulesQuerySchema, rules } from '#shared/insights/baskets-api.ts';

/** GET /v1/insights/rules: the pair rules the last recompute stored, filtered, sorted, one page. */
export const handler = api('admin', async (req) => {
  const query = parseWith(RulesQuerySchema, req.query);
  return { status: 200, body: await rules({ baskets: basketsStores().baskets, tenant: req.principal.tenant, cursors: { encode: encodeCursor, decode: decodeCursor } }, query) };
});
