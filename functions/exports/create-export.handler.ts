import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { segmentStore } from '#shared/http/stores/segments.ts';
import { exportIdempotencyStore, exportSlotStore, exportStore } from '#shared/http/stores/exports.ts';
import { config } from '#shared/config.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { ExportRequestSchema } from '#shared/exports/export.schema.ts';
import { requestExport } from '#shared/exports/exports.ts';
import { startExport } from '#shared/workflows.ts';

/** POST /v1/exports: record the export and start the workflow; 202 with the id to poll. 429 when the tenant
 * already has EXPORT_MAX_CONCURRENT exports pending or running. The same `Idempotency-Key` and request again
 * answers the same export (`Idempotent-Replayed: true`, no new audit entry: nothing new was exported). */
export const handler = api('admin', async (req) => {
  const request = parseWith(ExportRequestSchema, req.body);
  const { tenant, key } = req.principal;
  const idempotencyKey = req.headers['idempotency-key'];
  const { exportId, replayed } = await requestExport(
    {
      segments: segmentStore(),
      exports: exportStore(),
      tenant,
      actor: key,
      start: startExport,
      slots: exportSlotStore(),
      maxConcurrent: config().EXPORT_MAX_CONCURRENT,
      ...(idempotencyKey !== undefined ? { idempotency: { store: exportIdempotencyStore(), key: idempotencyKey } } : {}),
    },
    request,
  );
  if (!replayed) await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'export.create', target: exportId });
  return { status: 202, body: { exportId }, headers: { location: `/v1/exports/${exportId}`, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) } };
});
