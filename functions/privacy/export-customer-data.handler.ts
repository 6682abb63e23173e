import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { NoQuerySchema } from '#shared/http/no-query.schema.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { exportPersonalData } from '#shared/privacy/access-export.ts';
import { recordAudit } from '#shared/audit/audit.ts';

/** GET /v1/customers/{id}/export: everything held about the person (GDPR access and portability), as JSON. */
export const handler = api('admin', async (req) => {
  parseWith(NoQuerySchema, req.query);
  const { tenant, key } = req.principal;
  const data = await exportPersonalData(privacyStore(), tenant.id, req.params.id!);
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'customer.export_data', target: 'customer' });
  return { status: 200, body: data, headers: { 'content-disposition': 'attachment; filename="personal-data.json"', 'cache-control': 'no-store' } };
});
