import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { segmentStore } from '#shared/http/stores/segments.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { SegmentReplaceSchema } from '#shared/segments/segment.schema.ts';
import { replaceSegment } from '#shared/segments/segments.ts';

/** PUT /v1/segments/{id}: replace the name and filter (both required: see SegmentReplaceSchema). Audited. */
export const handler = api('admin', async (req) => {
  const input = parseWith(SegmentReplaceSchema, req.body);
  const { tenant, key } = req.principal;
  const segment = await replaceSegment({ segments: segmentStore(), customers: customerStore(), tenant, actor: key }, req.params.id!, input);
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'segment.update', target: segment.id });
  return { status: 200, body: segment };
});
