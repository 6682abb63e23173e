import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { basketsStores } from '#shared/http/insights-stores.ts';
import { decodeCursor, encodeCursor } from '#shared/store/cursor.ts';
import { AlsoBoughtQuerySchema, alsoBoughtRules } from '#shared/insights/baskets-api.ts';

/** GET /v1/insights/also-bought?sku=X: the stored rules whose lhs is X. */
export const handler = api('admin', async (req) => {
  const query = parseWith(AlsoBoughtQuerySchema, req.query);
  return { status: 200, body: await alsoBoughtRules({ baskets: basketsStores().baskets, tenant: req.principal.tenant, cursors: { encode: encodeCursor, decode: decodeCursor } }, query) };
});
