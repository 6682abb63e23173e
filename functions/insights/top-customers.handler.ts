import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { insightsStores } from '#shared/http/insights-stores.ts';
import { pageWithinBudget } from '#shared/http/page-bytes.ts';
import { decodeCursor, encodeCursor } from '#shared/store/cursor.ts';
import { listCustomers } from '#shared/domain/customers.ts';
import { TopCustomersQuerySchema, topCustomers, type TopPosition } from '#shared/insights/insights.ts';

/**
 * GET /v1/insights/top-customers?by=clv12m|totalSpent|pAlive&limit=: same shape as the customer list. The top
 * `limit` come in one page unless their cards are too large for one Lambda answer (shared/http/page-bytes.ts):
 * then the page ends where it fits and `nextCursor` (signed, for this ranking and limit) gives the rest.
 */
const isPosition =
  (limit: number) =>
  (p: unknown): p is TopPosition => {
    if (!p || typeof p !== 'object') return false;
    const { served, list, ...rest } = p as Record<string, unknown>;
    return Number.isInteger(served) && (served as number) > 0 && (served as number) < limit && (list === undefined || (typeof list === 'string' && list.length <= 4000)) && !Object.keys(rest).length;
  };

export const handler = api('admin', async (req) => {
  const { by, limit, cursor } = parseWith(TopCustomersQuerySchema, req.query);
  const { tenant, key } = req.principal;
  const ranking = `top-customers:${by}:${limit}`;
  const at = cursor === undefined ? { served: 0 } : decodeCursor(cursor, ranking, tenant.id, isPosition(limit), 'top customers list');
  const listByTotalSpent = (n: number, after?: string) =>
    listCustomers({ customers: customerStore(), tenant, actor: key }, { sort: 'totalSpent', order: 'desc', limit: n, ...(after ? { cursor: after } : {}) });
  const ctx = { insights: insightsStores().insights, tenant, listByTotalSpent };
  const page = await pageWithinBudget((n) => topCustomers(ctx, by, limit, n, at), limit - at.served);
  return { status: 200, body: { items: page.items, nextCursor: page.next ? encodeCursor(ranking, tenant.id, page.next) : null } };
});
