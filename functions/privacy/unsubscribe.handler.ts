import { api } from '#shared/http/api.ts';
import { privacyStores, stores } from '#shared/http/stores.ts';
import { checkUnsubscribeLink, unsubscribeTenant } from '#shared/privacy/unsubscribe.ts';
import { invalidLinkResponse, linkTenant, pageResponse } from '#shared/http/link-pages.ts';
import { unsubscribePage } from '#shared/mail/pages.ts';

/** GET /v1/unsubscribe?token=...: the link in a newsletter shows a button; opening it changes nothing. */
export const handler = api('public', async (req) => {
  const token = req.query.token;
  const tenant = await linkTenant(stores().tenants, unsubscribeTenant(token));
  try {
    await checkUnsubscribeLink(privacyStores().privacy, token);
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, true);
  }
  return pageResponse(unsubscribePage({ businessName: tenant?.name, language: tenant?.language ?? 'en', token: token! }));
});
