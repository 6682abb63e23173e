import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { segmentStore } from '#shared/http/stores/segments.ts';
import { PageQuerySchema } from '#shared/http/page-query.schema.ts';
import { listSegments } from '#shared/segments/segments.ts';

/** GET /v1/segments: the saved segments, oldest first (member counts on GET one). */
export const handler = api('admin', async (req) => {
  const page = parseWith(PageQuerySchema, req.query);
  const { tenant, key } = req.principal;
  return { status: 200, body: await listSegments({ segments: segmentStore(), customers: customerStore(), tenant, actor: key }, page) };
});
