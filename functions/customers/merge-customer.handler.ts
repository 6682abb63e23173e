import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { mergeStore } from '#shared/http/stores/merges.ts';
import { cardBody, etag } from '#shared/http/customer-view.ts';
import { getCustomerCard } from '#shared/domain/customers.ts';
import { MergeBodySchema, mergeCustomers } from '#shared/events/merge-customers.ts';

/** POST /v1/customers/{id}/merge { otherId }: folds the other customer into this one; answers the merged card. Repeatable (a retry is not audited again); audited (target `customer`, never an id). */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  const { otherId } = parseWith(MergeBodySchema, req.body ?? {});
  const privacy = privacyStore();
  const { repeated } = await mergeCustomers({ merges: mergeStore(), tenantId: tenant.id, timeZone: tenant.timeZone, suppression: privacy, erasures: privacy }, req.params.id!, otherId);
  // A retry of a merge already done changes nothing, in the audit log neither.
  if (!repeated) await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'customer.merge', target: 'customer' });
  const { customer, history } = await getCustomerCard({ customers: customerStore(), tenant, actor: key }, req.params.id!);
  return { status: 200, body: cardBody(customer, history), headers: { etag: etag(customer) } };
});
