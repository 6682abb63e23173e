import { api, type ApiResponse } from '#shared/http/api.ts';
import { mergedCustomerAnswer } from '#shared/http/merged-customer.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { publicBaseUrl } from '#shared/events/base-url.ts';
import { UnsubscribeLinkSchema, createUnsubscribeLink } from '#shared/privacy/unsubscribe.ts';

/** POST /v1/customers/{id}/unsubscribe-link: `{ url, expiresAt }`, a signed link for a newsletter. */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  const { expiresInDays } = parseWith(UnsubscribeLinkSchema, req.body ?? {});
  const tenantId = req.principal.tenant.id;
  const id = req.params.id!;
  // A customer merged into another: 409 naming the survivor (`mergedInto`); the link is the survivor's to ask for.
  return createUnsubscribeLink(privacyStore(), tenantId, id, publicBaseUrl(req.headers), { expiresInDays }).then(
    (link): ApiResponse => ({ status: 200, body: link }),
    (e: unknown) => mergedCustomerAnswer(e, tenantId, id),
  );
});
