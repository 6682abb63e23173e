import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { suppressionStore } from '#shared/http/stores/suppression.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { suppressionGate } from '#shared/privacy/suppression.ts';
import { cardBody, etag } from '#shared/http/customer-view.ts';
import { CreateCustomerSchema } from '#shared/domain/customer-fields.schema.ts';
import { createCustomer } from '#shared/domain/customers.ts';

/** POST /v1/customers: 201 with the card; 409 when the email or phone belongs to another customer. */
export const handler = api('admin', async (req) => {
  const input = parseWith(CreateCustomerSchema, req.body ?? {});
  const { tenant, key } = req.principal;
  const customer = await createCustomer({ customers: customerStore(), tenant, actor: key, suppression: suppressionGate(suppressionStore()) }, input);
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'customer.create', target: 'customer' });
  return { status: 201, body: cardBody(customer), headers: { etag: etag(customer), location: `/v1/customers/${customer.id}` } };
});
