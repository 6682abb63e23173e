import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { segmentStore } from '#shared/http/stores/segments.ts';
import { SegmentMembersQuerySchema } from '#shared/segments/segment.schema.ts';
import { listSegmentCustomers } from '#shared/segments/segments.ts';
import { pageWithinBudget } from '#shared/http/page-bytes.ts';

/** GET /v1/segments/{id}/customers: the members, same shape and paging (byte budget included) as GET /v1/customers. */
export const handler = api('admin', async (req) => {
  const page = parseWith(SegmentMembersQuerySchema, req.query);
  const { tenant, key } = req.principal;
  const ctx = { segments: segmentStore(), customers: customerStore(), tenant, actor: key };
  return { status: 200, body: await pageWithinBudget((limit) => listSegmentCustomers(ctx, req.params.id!, { ...page, limit }), page.limit) };
});
