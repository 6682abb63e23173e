import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { segmentStore } from '#shared/http/stores/segments.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { SegmentInputSchema } from '#shared/segments/segment.schema.ts';
import { createSegment } from '#shared/segments/segments.ts';

/** POST /v1/segments: save a named filter; relative dates (P90D) are kept as written. Audited. */
export const handler = api('admin', async (req) => {
  const input = parseWith(SegmentInputSchema, req.body);
  const { tenant, key } = req.principal;
  const segment = await createSegment({ segments: segmentStore(), customers: customerStore(), tenant, actor: key }, input);
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'segment.create', target: segment.id });
  return { status: 201, body: segment, headers: { location: `/v1/segments/${segment.id}` } };
});
