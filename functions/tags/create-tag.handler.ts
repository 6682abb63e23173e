import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { CreateTagSchema } from '#shared/domain/catalogue.schema.ts';
import { parseWith } from '#shared/http/problem.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { addTag } from '#shared/domain/tenants.ts';

/** POST /v1/tags: adds a tag to the catalogue (201, audited), or answers the existing one (200). */
export const handler = api('admin', async (req) => {
  const { name } = parseWith(CreateTagSchema, req.body ?? {});
  const { tenant, key } = req.principal;
  const { tag, created } = await addTag(tenantStore(), tenant.id, name);
  // A tag name is the business's vocabulary, not personal data.
  if (created) await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'tag.create', target: tag });
  return { status: created ? 201 : 200, body: { name: tag } };
});
