import { api, type ApiResponse } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { NoQuerySchema } from '#shared/http/no-query.schema.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { mergeStore } from '#shared/http/stores/merges.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import { cardBody, etag, noneMatchHit } from '#shared/http/customer-view.ts';
import { getCustomerCard } from '#shared/domain/customers.ts';

/** GET /v1/customers/{id}: the card with its newest history entries, in one read; `If-None-Match` with its ETag answers 304. */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  parseWith(NoQuerySchema, req.query);
  const { tenant, key } = req.principal;
  const card = await getCustomerCard({ customers: customerStore(), tenant, actor: key }, req.params.id!).catch(async (e: unknown) => {
    // A customer merged into another answers 301 to the survivor (POST /v1/customers/{id}/merge).
    const redirect = e instanceof NotFoundError ? await mergeStore().getRedirect(tenant.id, req.params.id!) : undefined;
    if (!redirect) throw e;
    return redirect;
  });
  if ('target' in card) return { status: 301, headers: { location: `/v1/customers/${card.target}` }, body: { mergedInto: card.target } };
  const { customer, history } = card;
  // The client's copy is current: no body (RFC 9110 §15.4.5), the ETag again.
  if (noneMatchHit(req.headers['if-none-match'], customer)) return { status: 304, headers: { etag: etag(customer) } };
  return { status: 200, body: cardBody(customer, history), headers: { etag: etag(customer) } };
});
