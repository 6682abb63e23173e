import { publicApi } from '#shared/http/public-api.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { unsubscribe, unsubscribeTenant } from '#shared/privacy/unsubscribe.ts';
import { invalidLinkResponse, linkTenant, pageResponse, wantsPage } from '#shared/http/link-pages.ts';
import { postedToken, unsubscribedPage } from '#shared/mail/pages.ts';

/**
 * POST /v1/unsubscribe?token=...: the button of the unsubscribe page, or RFC 8058 one-click from a mail
 * client (`List-Unsubscribe=One-Click`); withdraws newsletter consent (repeatable), also after a sign-up that awaits confirmation.
 */
export const handler = publicApi(async (req) => {
  const token = postedToken(req.query, req.body);
  const page = wantsPage(req);
  const tenant = page ? await linkTenant(tenantStore(), unsubscribeTenant(token)) : undefined;
  try {
    await unsubscribe(privacyStore(), token, new Date(), customerStore());
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, page);
  }
  if (page) return pageResponse(unsubscribedPage({ businessName: tenant?.name, language: tenant?.language ?? 'en' }));
  return { status: 200, body: { unsubscribed: true } };
});
