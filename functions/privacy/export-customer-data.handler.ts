import { api, type ApiResponse } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { personalDataFiles } from '#shared/http/stores/personal-data.ts';
import { config } from '#shared/config.ts';
import { AccessExportQuerySchema } from '#shared/privacy/access-export.schema.ts';
import { deliverPersonalData } from '#shared/privacy/access-export.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { mergedCustomerAnswer } from '#shared/http/merged-customer.ts';

/**
 * GET /v1/customers/{id}/export: everything held about the person (GDPR access and portability), as JSON;
 * past the inline threshold (Lambda's 6 MB answer) a 303 to the same document in the export bucket, and with
 * `?delivery=link` that link as JSON.
 */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  const { delivery } = parseWith(AccessExportQuerySchema, req.query);
  const { tenant, key } = req.principal;
  const ctx = { privacy: privacyStore(), files: personalDataFiles(), inlineMaxBytes: config().ACCESS_EXPORT_INLINE_MAX_BYTES };
  // A customer merged into another: 301 to the survivor's export, which holds the merged person's data (nothing
  // was exported here, so nothing is audited).
  const answer = await deliverPersonalData(ctx, tenant.id, req.params.id!, delivery).catch((e: unknown) =>
    mergedCustomerAnswer(e, tenant.id, req.params.id!, { subpath: '/export', query: req.query }),
  );
  if (!('delivery' in answer)) return answer;
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'customer.export_data', target: 'customer' });
  if (answer.delivery === 'inline') {
    return { status: 200, text: answer.json, contentType: 'application/json', headers: { 'content-disposition': 'attachment; filename="personal-data.json"', 'cache-control': 'no-store' } };
  }
  const { url, expiresAt, bytes } = answer;
  if (answer.delivery === 'redirect') return { status: 303, headers: { location: url, 'cache-control': 'no-store' } };
  return { status: 200, body: { url, expiresAt, bytes }, headers: { 'cache-control': 'no-store' } };
});
