import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { removeTag } from '#shared/domain/tenants.ts';

/** DELETE /v1/tags/{tag}: removes a tag from the catalogue; customers keep it until edited. Audited. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  const tag = await removeTag(tenantStore(), tenant.id, req.params.tag!);
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'tag.delete', target: tag });
  return { status: 204 };
});
