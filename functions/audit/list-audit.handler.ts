import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { listAudit } from '#shared/audit/audit.ts';
import { AuditQuerySchema } from '#shared/audit/audit.schema.ts';

/** GET /v1/audit: the tenant's admin actions (who, what, when; no personal data), newest first. */
export const handler = api('admin', async (req) => {
  const query = parseWith(AuditQuerySchema, req.query);
  return { status: 200, body: await listAudit(auditStore(), req.principal.tenant.id, query) };
});
