import { api } from '#shared/http/api.ts';
import { invalid } from '#shared/domain/errors.ts';
import { eventStores, stores } from '#shared/http/stores.ts';
import { confirmConsent } from '#shared/events/confirm-consent.ts';

/** GET /v1/consent/confirm?token=...: the double opt-in link; grants newsletter consent. */
export const handler = api('public', async (req) => {
  const token = req.query.token;
  if (!token) throw invalid('token', 'is required');
  const result = await confirmConsent({ events: eventStores().events, customers: stores().customers }, token);
  return { status: 200, body: { ...result, message: 'Thank you: your newsletter subscription is confirmed.' } };
});
