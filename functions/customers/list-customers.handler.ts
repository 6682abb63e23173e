import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { ListQuerySchema, queryToObject } from '#shared/domain/customer-filter.schema.ts';
import { LIST_FIELDS } from '#shared/domain/filter-fields.ts';
import { listCustomers } from '#shared/domain/customers.ts';
import { pageWithinBudget } from '#shared/http/page-bytes.ts';

/**
 * GET /v1/customers: filter, sort and page through the list; unknown filter fields are a 400. A page of large
 * cards ends before `limit` where Lambda's answer would be too big, with a nextCursor to the rest.
 */
export const handler = api(
  'admin',
  async (req) => {
    const query = parseWith(ListQuerySchema, queryToObject(req.query));
    const { tenant, key } = req.principal;
    const page = await pageWithinBudget((limit) => listCustomers({ customers: customerStore(), tenant, actor: key }, { ...query, limit }), query.limit);
    return { status: 200, body: page };
  },
  // `tags=VIP&tags=Regular` reads as `tags=VIP,Regular`; `limit=1&limit=2` is a 400.
  { listQuery: new Set(LIST_FIELDS) },
);
