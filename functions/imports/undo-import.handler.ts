import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { importStore } from '#shared/http/stores/imports.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { CUSTOMER_SHARDS } from '#shared/store/table.ts';
import { tagHeldBy, undoImport, type UndoCatalogue } from '#shared/import/undo.ts';
import { removeTags } from '#shared/domain/tenants.ts';

/**
 * DELETE /v1/imports/{id}: reverts the import. 200 with the job (its `undo` summary) once done; 202 when
 * the invocation's time (Lambda's remaining time, less a margin) ran out first: call again, it continues where it stopped. Audited (`import.undo`,
 * target the import id) by each request that answers 200, not by those that only made progress.
 */
const catalogue: UndoCatalogue = {
  inUse: (tenantId, tag) => tagHeldBy(customerStore(), tenantId, tag),
  remove: (tenantId, tags) => removeTags(tenantStore(), tenantId, tags),
};

export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  const { done, view } = await undoImport({ imports: importStore(), catalogue, tenant, shards: CUSTOMER_SHARDS, remainingMs: req.remainingMs }, req.params.id!);
  if (done) await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'import.undo', target: req.params.id! });
  return { status: done ? 200 : 202, body: view };
});
