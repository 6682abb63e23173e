import { publicApi } from '#shared/http/public-api.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { ForbiddenError } from '#shared/domain/errors.ts';
import { answerPreflight } from '#shared/events/cors.ts';

/** OPTIONS /v1/events?key=pk_...: CORS preflight; 204 with Allow-* headers only for the tenant's allowed origins. */
export const handler = publicApi(async (req) => {
  const answer = await answerPreflight(tenantStore(), {
    origin: req.headers.origin,
    key: req.query.key,
    requestMethod: req.headers['access-control-request-method'],
  });
  // Refused: no CORS headers at all, so the browser blocks the POST; the problem document tells a developer why.
  if (!answer.allowed) throw new ForbiddenError(answer.reason);
  return { status: 204, headers: answer.headers };
});
