import { publicApi } from '#shared/http/public-api.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { eventStore } from '#shared/http/stores/events.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { confirmConsent } from '#shared/events/confirm-consent.ts';
import { tokenTenant } from '#shared/events/consent-token.ts';
import { invalidLinkResponse, linkTenant, pageResponse, wantsPage } from '#shared/http/link-pages.ts';
import { confirmedPage, postedToken } from '#shared/mail/pages.ts';

/**
 * POST /v1/consent/confirm: the button of the double opt-in page; grants newsletter consent for the sign-up
 * the link was mailed for (again: 200, changes nothing); 409 when that sign-up was answered otherwise since.
 */
export const handler = publicApi(async (req) => {
  const token = postedToken(req.query, req.body);
  const page = wantsPage(req);
  const tenant = await linkTenant(tenantStore(), token ? tokenTenant(token) : undefined);
  try {
    await confirmConsent({ events: eventStore(), customers: customerStore(), redirects: privacyStore() }, token);
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, page);
  }
  if (page) return pageResponse(confirmedPage({ businessName: tenant?.name, language: tenant?.language ?? 'en' }));
  return { status: 200, body: { confirmed: true } };
});
