import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { segmentStore } from '#shared/http/stores/segments.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { deleteSegment } from '#shared/segments/segments.ts';

/** DELETE /v1/segments/{id}: 204; the customers are untouched. Audited. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  await deleteSegment({ segments: segmentStore(), customers: customerStore(), tenant, actor: key }, req.params.id!);
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'segment.delete', target: req.params.id! });
  return { status: 204 };
});
