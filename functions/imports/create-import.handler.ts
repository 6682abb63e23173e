import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { importSlotStore, importStore } from '#shared/http/stores/imports.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { config } from '#shared/config.ts';
import { s3Client } from '#shared/clients/s3.ts';
import { CreateImportSchema } from '#shared/import/import-job.schema.ts';
import { createImport } from '#shared/import/imports.ts';
import { presignUpload } from '#shared/import/object-store.ts';

/** POST /v1/imports: a pending import and a presigned POST to upload its CSV (at most 512 MB); 429 when the
 * tenant already has IMPORT_MAX_CONCURRENT imports pending or running. */
export const handler = api('admin', async (req) => {
  const input = parseWith(CreateImportSchema, req.body ?? {});
  const presign = (key: string, maxBytes: number, expires: number) => presignUpload(s3Client(), config().IMPORT_BUCKET, key, maxBytes, expires);
  const body = await createImport({ imports: importStore(), slots: importSlotStore(), maxConcurrent: config().IMPORT_MAX_CONCURRENT, tenant: req.principal.tenant }, input, presign);
  await recordAudit(auditStore(), { tenantId: req.principal.tenant.id, actor: req.principal.key.keyId, action: 'import.create', target: body.importId });
  return { status: 201, body, headers: { location: `/v1/imports/${body.importId}` } };
});
