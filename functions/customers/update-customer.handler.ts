import { api, type ApiResponse } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { suppressionStore } from '#shared/http/stores/suppression.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { suppressionGate } from '#shared/privacy/suppression.ts';
import { cardBody, etag, ifMatchVersions } from '#shared/http/customer-view.ts';
import { UpdateCustomerSchema } from '#shared/domain/customer-fields.schema.ts';
import { updateCustomer } from '#shared/domain/customers.ts';
import { mergedCustomerAnswer } from '#shared/http/merged-customer.ts';

/** PATCH /v1/customers/{id}: partial update; `null` clears a field; `If-Match` makes it conditional (412). */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  const input = parseWith(UpdateCustomerSchema, req.body ?? {});
  const { tenant, key } = req.principal;
  const ctx = { customers: customerStore(), tenant, actor: key, suppression: suppressionGate(suppressionStore()) };
  // A customer merged into another: 409 naming the survivor (`mergedInto`), not 404.
  const updated = await updateCustomer(ctx, req.params.id!, input, ifMatchVersions(req.headers['if-match'])).catch((e: unknown) => mergedCustomerAnswer(e, tenant.id, req.params.id!));
  if (!('customer' in updated)) return updated;
  const { customer, changed } = updated;
  // A PATCH that changed nothing (a retry, `{}`) wrote nothing: nothing to audit either.
  if (changed) await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'customer.update', target: 'customer' });
  return { status: 200, body: cardBody(customer), headers: { etag: etag(customer) } };
});
