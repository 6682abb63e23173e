import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { revokeKey } from '#shared/domain/tenants.ts';
import { keyDetail } from '#shared/domain/api-key.ts';

/** DELETE /v1/keys/{keyId}: revokes a key (effective within KEY_CACHE_SECONDS). Full keys only (route scope `full`). */
export const handler = api('full', async (req) => {
  const revoked = await revokeKey(tenantStore(), req.principal.tenant.id, req.params.keyId!);
  await recordAudit(auditStore(), { tenantId: req.principal.tenant.id, actor: req.principal.key.keyId, action: 'key.revoke', target: revoked.keyId, detail: keyDetail(revoked) });
  return { status: 204 };
});
