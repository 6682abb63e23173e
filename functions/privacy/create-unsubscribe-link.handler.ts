import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { publicBaseUrl } from '#shared/events/base-url.ts';
import { UnsubscribeLinkSchema, createUnsubscribeLink } from '#shared/privacy/unsubscribe.ts';

/** POST /v1/customers/{id}/unsubscribe-link: `{ url, expiresAt }`, a signed link for a newsletter. */
export const handler = api('admin', async (req) => {
  const { expiresInDays } = parseWith(UnsubscribeLinkSchema, req.body ?? {});
  const link = await createUnsubscribeLink(privacyStore(), req.principal.tenant.id, req.params.id!, publicBaseUrl(req.headers), { expiresInDays });
  return { status: 200, body: link };
});
