import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { privacyStores, stores, segmentExportStores } from '#shared/http/stores.ts';
import { deleteSegment } from '#shared/segments/segments.ts';

/** DELETE /v1/segments/{id}: 204; the customers are untouched. Audited. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  await deleteSegment({ ...segmentExportStores(), customers: stores().customers, tenant, actor: key }, req.params.id!);
  await recordAudit(privacyStores().audit, { tenantId: tenant.id, actor: key.keyId, action: 'segment.delete', target: req.params.id! });
  return { status: 204 };
});
