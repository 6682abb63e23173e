import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { stores, segmentExportStores } from '#shared/http/stores.ts';
import { SegmentInputSchema } from '#shared/segments/segment.schema.ts';
import { replaceSegment } from '#shared/segments/segments.ts';

/** PUT /v1/segments/{id}: replace the name and filter. */
export const handler = api('admin', async (req) => {
  const input = parseWith(SegmentInputSchema, req.body);
  const { tenant, key } = req.principal;
  return { status: 200, body: await replaceSegment({ ...segmentExportStores(), customers: stores().customers, tenant, actor: key }, req.params.id!, input) };
});
