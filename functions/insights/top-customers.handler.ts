import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { listCustomers } from '#shared/domain/customers.ts';
import { TopCustomersQuerySchema, topCustomers } from '#shared/insights/insights.ts';

/** GET /v1/insights/top-customers?by=clv12m|totalSpent|pAlive&limit=: same shape as the customer list. */
export const handler = api('admin', async (req) => {
  const { by, limit } = parseWith(TopCustomersQuerySchema, req.query);
  const { tenant, key } = req.principal;
  const listByTotalSpent = (n: number) => listCustomers({ customers: customerStore(), tenant, actor: key }, { sort: 'totalSpent', order: 'desc', limit: n });
  return { status: 200, body: await topCustomers({ insights: insightsStores().insights, tenant, listByTotalSpent }, by, limit) };
});
