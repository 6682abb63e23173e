import { api } from '#shared/http/api.ts';
import { privacyStores } from '#shared/http/stores.ts';
import { UNSUBSCRIBED_PAGE, unsubscribe } from '#shared/privacy/unsubscribe.ts';

/** GET /v1/unsubscribe?token=...: the link in a newsletter (no key); withdraws consent, shows a short page. */
export const handler = api('public', async (req) => {
  await unsubscribe(privacyStores().privacy, req.query.token);
  return { status: 200, text: UNSUBSCRIBED_PAGE, contentType: 'text/html; charset=utf-8', headers: { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } };
});
