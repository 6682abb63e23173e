import { publicApi } from '#shared/http/public-api.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { eventStore } from '#shared/http/stores/events.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { checkConsentLink } from '#shared/events/confirm-consent.ts';
import { tokenTenant } from '#shared/events/consent-token.ts';
import { invalidLinkResponse, linkTenant, pageResponse, prefersProblem } from '#shared/http/link-pages.ts';
import { confirmedPage, confirmPage } from '#shared/mail/pages.ts';

/**
 * GET /v1/consent/confirm?token=...: the double opt-in link shows a button; opening it changes nothing.
 * A link already confirmed shows that it is; one whose sign-up was answered otherwise since, a page saying so
 * (or problem+json, to a client whose Accept prefers JSON).
 */
export const handler = publicApi(async (req) => {
  const token = req.query.token;
  const tenant = await linkTenant(tenantStore(), token ? tokenTenant(token) : undefined);
  let state: 'open' | 'confirmed';
  try {
    ({ state } = await checkConsentLink({ events: eventStore(), customers: customerStore(), redirects: privacyStore() }, token));
  } catch (error) {
    return invalidLinkResponse(error, tenant?.language, !prefersProblem(req.headers.accept));
  }
  const words = { businessName: tenant?.name, language: tenant?.language ?? 'en' };
  return pageResponse(state === 'confirmed' ? confirmedPage(words) : confirmPage({ ...words, token: token! }));
});
