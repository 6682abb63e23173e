import { publicApi } from '#shared/http/public-api.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { ForbiddenError } from '#shared/domain/errors.ts';
import { answerPreflight } from '#shared/events/cors.ts';

/**
 * OPTIONS /v1/events?key=pk_...: CORS preflight; 204 with Allow-* headers only for the tenant's allowed origins.
 * OPTIONS /v1/events without ?key= (a page sending its pk_ in Authorization or x-api-key): 204 for any origin,
 * offering authorization, x-api-key and content-type; the POST itself is checked per key (shared/http/api.ts).
 * Any other origin gets a 403 without CORS headers (the browser then never sends the POST), and one problem
 * detail for every such origin: it names neither the origin nor the setting, so a stranger with the shop's
 * pk_ learns no more than the missing headers tell. Missing Origin, missing or non-pk_ key, another method:
 * 403 saying what is missing (that tells nothing about the shop).
 */
export const handler = publicApi(async (req) => {
  const answer = await answerPreflight(tenantStore(), {
    origin: req.headers.origin,
    key: req.query.key,
    requestMethod: req.headers['access-control-request-method'],
    requestHeaders: req.headers['access-control-request-headers'],
  });
  // Refused: no CORS headers at all, so the browser blocks the POST.
  if (!answer.allowed) throw new ForbiddenError(answer.reason);
  return { status: 204, headers: answer.headers };
});
