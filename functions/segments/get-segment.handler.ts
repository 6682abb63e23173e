import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { SegmentGetQuerySchema } from '#shared/segments/segment.schema.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { segmentStore } from '#shared/http/stores/segments.ts';
import { getSegmentWithCount } from '#shared/segments/segments.ts';

/** GET /v1/segments/{id}: the segment and how many customers match it (counted at most 10 minutes ago, or now with refresh=true). */
export const handler = api('admin', async (req) => {
  const { refresh } = parseWith(SegmentGetQuerySchema, req.query);
  const { tenant, key } = req.principal;
  return { status: 200, body: await getSegmentWithCount({ segments: segmentStore(), customers: customerStore(), tenant, actor: key }, req.params.id!, { refresh: refresh === 'true' }) };
});
