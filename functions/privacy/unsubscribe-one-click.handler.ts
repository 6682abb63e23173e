import { api } from '#shared/http/api.ts';
import { privacyStores, stores } from '#shared/http/stores.ts';
import { unsubscribe, unsubscribeTenant } from '#shared/privacy/unsubscribe.ts';
import { invalidLinkResponse, linkTenant, pageResponse, wantsPage } from '#shared/http/link-pages.ts';
import { postedToken, unsubscribedPage } from '#shared/mail/pages.ts';

/**
 * POST /v1/unsubscribe?token=...: the button of the unsubscribe page, or RFC 8058 one-click from a mail
 * client (`List-Unsubscribe=One-Click`); withdraws newsletter consent (repeatable).
 */
export const handler = api('public', async (req) => {
  const token = postedToken(req.query, req.body);
  const page = wantsPage(req);
  const tenant = page ? await linkTenant(stores().tenants, unsubscribeTenant(token)) : undefined;
  try {
    await unsubscribe(privacyStores().privacy, token);
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, page);
  }
  if (page) return pageResponse(unsubscribedPage({ businessName: tenant?.name, language: tenant?.language ?? 'en' }));
  return { status: 200, body: { unsubscribed: true } };
});
