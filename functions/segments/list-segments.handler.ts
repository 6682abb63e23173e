import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { stores, segmentExportStores } from '#shared/http/stores.ts';
import { PageQuerySchema } from '#shared/segments/segment.schema.ts';
import { listSegments } from '#shared/segments/segments.ts';

/** GET /v1/segments: the saved segments, oldest first (member counts on GET one). */
export const handler = api('admin', async (req) => {
  const page = parseWith(PageQuerySchema, req.query);
  const { tenant, key } = req.principal;
  return { status: 200, body: await listSegments({ ...segmentExportStores(), customers: stores().customers, tenant, actor: key }, page) };
});
