import { publicApi } from '#shared/http/public-api.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { checkUnsubscribeLink, unsubscribeTenant } from '#shared/privacy/unsubscribe.ts';
import { invalidLinkResponse, linkTenant, pageResponse, prefersProblem } from '#shared/http/link-pages.ts';
import { unsubscribePage } from '#shared/mail/pages.ts';

/**
 * GET /v1/unsubscribe?token=...: the link in a newsletter shows a button; opening it changes nothing. A link
 * that is not valid: a page saying so, or problem+json to a client whose Accept prefers JSON.
 */
export const handler = publicApi(async (req) => {
  const token = req.query.token;
  const tenant = await linkTenant(tenantStore(), unsubscribeTenant(token));
  try {
    await checkUnsubscribeLink(privacyStore(), token);
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, !prefersProblem(req.headers.accept));
  }
  return pageResponse(unsubscribePage({ businessName: tenant?.name, language: tenant?.language ?? 'en', token: token! }));
});
