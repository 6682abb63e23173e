import { api } from '#shared/http/api.ts';
import { stores } from '#shared/http/stores.ts';
import { cardBody, etag } from '#shared/http/customer-view.ts';
import { getCustomerCard } from '#shared/domain/customers.ts';

/** GET /v1/customers/{id}: the card with its newest history entries, in one read. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  const { customer, history } = await getCustomerCard({ customers: stores().customers, tenant, actor: key }, req.params.id!);
  return { status: 200, body: cardBody(customer, history), headers: { etag: etag(customer) } };
});
