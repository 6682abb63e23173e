import { api, type ApiResponse } from '#shared/http/api.ts';
import { mergedCustomerAnswer } from '#shared/http/merged-customer.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { ConsentQuerySchema, listConsents } from '#shared/privacy/consents.ts';

/** GET /v1/customers/{id}/consents: the consent ledger, newest first, `{ items, nextCursor }`. */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  const query = parseWith(ConsentQuerySchema, req.query);
  const tenantId = req.principal.tenant.id;
  const id = req.params.id!;
  // A customer merged into another: 301 to the survivor's ledger (which holds the merged entries).
  return listConsents(privacyStore(), tenantId, id, query).then(
    (page): ApiResponse => ({ status: 200, body: page }),
    (e: unknown) => mergedCustomerAnswer(e, tenantId, id, { subpath: '/consents', query: req.query }),
  );
});
