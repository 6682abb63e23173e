import { api } from '#shared/http/api.ts';
import { eventStores, stores } from '#shared/http/stores.ts';
import { confirmConsent } from '#shared/events/confirm-consent.ts';
import { tokenTenant } from '#shared/events/consent-token.ts';
import { invalidLinkResponse, linkTenant, pageResponse, wantsPage } from '#shared/http/link-pages.ts';
import { confirmedPage, postedToken } from '#shared/mail/pages.ts';

/** POST /v1/consent/confirm: the button of the double opt-in page; grants newsletter consent (repeatable). */
export const handler = api('public', async (req) => {
  const token = postedToken(req.query, req.body);
  const page = wantsPage(req);
  const tenant = await linkTenant(stores().tenants, token ? tokenTenant(token) : undefined);
  try {
    await confirmConsent({ events: eventStores().events, customers: stores().customers }, token);
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, page);
  }
  if (page) return pageResponse(confirmedPage({ businessName: tenant?.name, language: tenant?.language ?? 'en' }));
  return { status: 200, body: { confirmed: true } };
});
