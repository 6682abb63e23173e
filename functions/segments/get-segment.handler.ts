import { api } from '#shared/http/api.ts';
import { stores, segmentExportStores } from '#shared/http/stores.ts';
import { getSegmentWithCount } from '#shared/segments/segments.ts';

/** GET /v1/segments/{id}: the segment and how many customers match it right now. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  return { status: 200, body: await getSegmentWithCount({ ...segmentExportStores(), customers: stores().customers, tenant, actor: key }, req.params.id!) };
});
