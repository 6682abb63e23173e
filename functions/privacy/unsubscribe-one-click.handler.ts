import { api } from '#shared/http/api.ts';
import { privacyStores } from '#shared/http/stores.ts';
import { unsubscribe } from '#shared/privacy/unsubscribe.ts';

/** POST /v1/unsubscribe?token=...: RFC 8058 one-click unsubscribe (mail clients post `List-Unsubscribe=One-Click`). */
export const handler = api('public', async (req) => {
  await unsubscribe(privacyStores().privacy, req.query.token);
  return { status: 200, body: { unsubscribed: true } };
});
