import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { mergeStores, privacyStores, stores } from '#shared/http/stores.ts';
import { cardBody, etag } from '#shared/http/customer-view.ts';
import { getCustomerCard } from '#shared/domain/customers.ts';
import { MergeBodySchema, mergeCustomers } from '#shared/events/merge-customers.ts';

/** POST /v1/customers/{id}/merge { otherId }: folds the other customer into this one; answers the merged card. Repeatable; audited (target `customer`, never an id). */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  const { otherId } = parseWith(MergeBodySchema, req.body ?? {});
  await mergeCustomers({ merges: mergeStores().merges, tenantId: tenant.id, suppression: privacyStores().privacy }, req.params.id!, otherId);
  await recordAudit(privacyStores().audit, { tenantId: tenant.id, actor: key.keyId, action: 'customer.merge', target: 'customer' });
  const { customer, history } = await getCustomerCard({ customers: stores().customers, tenant, actor: key }, req.params.id!);
  return { status: 200, body: cardBody(customer, history), headers: { etag: etag(customer) } };
});
