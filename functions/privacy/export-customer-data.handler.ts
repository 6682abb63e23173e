import { api } from '#shared/http/api.ts';
import { privacyStores } from '#shared/http/stores.ts';
import { exportPersonalData } from '#shared/privacy/access-export.ts';
import { recordAudit } from '#shared/audit/audit.ts';

/** GET /v1/customers/{id}/export: everything held about the person (GDPR access and portability), as JSON. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  const { privacy, audit } = privacyStores();
  const data = await exportPersonalData(privacy, tenant.id, req.params.id!);
  await recordAudit(audit, { tenantId: tenant.id, actor: key.keyId, action: 'customer.export_data', target: 'customer' });
  return { status: 200, body: data, headers: { 'content-disposition': 'attachment; filename="personal-data.json"', 'cache-control': 'no-store' } };
});
