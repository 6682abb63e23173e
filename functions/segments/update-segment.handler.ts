import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStores, stores, segmentExportStores } from '#shared/http/stores.ts';
import { SegmentInputSchema } from '#shared/segments/segment.schema.ts';
import { replaceSegment } from '#shared/segments/segments.ts';

/** PUT /v1/segments/{id}: replace the name and filter. Audited. */
export const handler = api('admin', async (req) => {
  const input = parseWith(SegmentInputSchema, req.body);
  const { tenant, key } = req.principal;
  const segment = await replaceSegment({ ...segmentExportStores(), customers: stores().customers, tenant, actor: key }, req.params.id!, input);
  await recordAudit(privacyStores().audit, { tenantId: tenant.id, actor: key.keyId, action: 'segment.update', target: segment.id });
  return { status: 200, body: segment };
});
