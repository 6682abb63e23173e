import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { CreateKeySchema } from '#shared/domain/catalogue.schema.ts';
import { parseWith } from '#shared/http/problem.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { issueKey } from '#shared/domain/tenants.ts';
import { keyDetail } from '#shared/domain/api-key.ts';

/** POST /v1/keys { kind, scope? }: a new key; the answer is the only time the key itself is shown. Full keys only (route scope `full`). */
export const handler = api('full', async (req) => {
  const { kind, scope } = parseWith(CreateKeySchema, req.body ?? {});
  const issued = await issueKey(tenantStore(), req.principal.tenant.id, kind, scope);
  await recordAudit(auditStore(), { tenantId: req.principal.tenant.id, actor: req.principal.key.keyId, action: 'key.create', target: issued.keyId, detail: keyDetail(issued) });
  return { status: 201, body: issued };
});
