import { publicApi } from '#shared/http/public-api.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { eventStore } from '#shared/http/stores/events.ts';
import { checkConsentLink } from '#shared/events/confirm-consent.ts';
import { tokenTenant } from '#shared/events/consent-token.ts';
import { invalidLinkResponse, linkTenant, pageResponse } from '#shared/http/link-pages.ts';
import { confirmPage } from '#shared/mail/pages.ts';

/** GET /v1/consent/confirm?token=...: the double opt-in link shows a button; opening it changes nothing. */
export const handler = publicApi(async (req) => {
  const token = req.query.token;
  const tenant = await linkTenant(tenantStore(), token ? tokenTenant(token) : undefined);
  try {
    await checkConsentLink({ events: eventStore() }, token);
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, true);
  }
  return pageResponse(confirmPage({ businessName: tenant?.name, language: tenant?.language ?? 'en', token: token! }));
});
