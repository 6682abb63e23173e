import { api } from '#shared/http/api.ts';
import { stores, segmentExportStores } from '#shared/http/stores.ts';
import { deleteSegment } from '#shared/segments/segments.ts';

/** DELETE /v1/segments/{id}: 204; the customers are untouched. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  await deleteSegment({ ...segmentExportStores(), customers: stores().customers, tenant, actor: key }, req.params.id!);
  return { status: 204 };
});
