import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { CreateKeySchema } from '#shared/domain/tenant.schema.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStores, stores } from '#shared/http/stores.ts';
import { issueKey } from '#shared/domain/tenants.ts';

/** POST /v1/keys: a new key; the answer is the only time the key itself is shown. */
export const handler = api('admin', async (req) => {
  const { kind } = parseWith(CreateKeySchema, req.body ?? {});
  const issued = await issueKey(stores().tenants, req.principal.tenant.id, kind);
  await recordAudit(privacyStores().audit, { tenantId: req.principal.tenant.id, actor: req.principal.key.keyId, action: 'key.create', target: issued.keyId });
  return { status: 201, body: issued };
});
