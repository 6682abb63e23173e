import type { Scope } from '../routes.ts';
import { authenticate, type Principal } from '../domain/authenticate.ts';
import { mayCall } from '../domain/api-key.ts';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import { errorToProblem } from './problem.ts';
import { tenantStore } from './stores/tenants.ts';
import { fairUseLimiter } from './stores/rate-limits.ts';
import { httpStack, toRequest, toResult, type ApiHandler, type ApiRequest, type Handler } from './public-api.ts';
import { logTenant } from '../logger.ts';

export type { ApiRequest, ApiResponse } from './public-api.ts';

export interface AuthedRequest extends ApiRequest {
  principal: Principal;
}

/**
 * A presented key: `Authorization: Bearer <key>` or `x-api-key: <key>`; a publishable key may also come as
 * `?key=pk_...`, so a browser's CORS preflight (which carries no headers of ours) names its tenant too.
 * A secret key in a URL would end up in logs and histories: it is refused, not ignored.
 */
function presentedKey(headers: Record<string, string | undefined>, query: Record<string, string | undefined> = {}): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    return m?.[1] ?? '';
  }
  const header = headers['x-api-key']?.trim();
  if (header || query.key === undefined) return header;
  if (!query.key.startsWith('pk_')) throw new UnauthorizedError('Only a publishable key (pk_...) may be sent as ?key=; send other keys in the Authorization header');
  return query.key;
}

/**
 * The middy stack of every keyed route: parse the request, check the key and its scope, count the request
 * against the tenant's fair-use limit (429 with Retry-After when its window is full), run the handler,
 * add per-tenant CORS headers, and turn every error into problem+json. The key check reads the tenant
 * store only (routes without a key use `publicApi`, which reads none).
 * Key checks live here rather than in an API Gateway authorizer so that answers are proper 401/403
 * problem documents and CORS can follow each tenant's allowed origins.
 */
export function api(scope: Exclude<Scope, 'public'>, fn: Handler<AuthedRequest>): ApiHandler {
  return httpStack(async (event) => {
    const req: ApiRequest = toRequest(event);
    const principal = await authenticate(tenantStore(), presentedKey(req.headers, req.query));
    logTenant(principal.tenant.id);
    // The key's scope against the route's (and its method: `read` keys pass GET routes only), before any work.
    const method = event.requestContext?.http?.method ?? '';
    const denied = mayCall(principal.key, scope, method, event.routeKey && event.routeKey !== '$default' ? event.routeKey : `${method} ${event.rawPath}`);
    if (denied) throw new ForbiddenError(denied);
    const origin = req.headers.origin;
    const originAllowed = !!origin && principal.tenant.allowedOrigins.includes(origin);
    if (principal.key.kind === 'publishable' && !originAllowed) throw new ForbiddenError('A publishable key works only from the allowed origins in the settings');
    // Retry-After is not a header a script may read unless exposed: a site's form must see when to try again.
    const exposed = 'Retry-After';
    const cors = originAllowed ? { 'access-control-allow-origin': origin!, 'access-control-expose-headers': exposed, vary: 'Origin' } : undefined;
    let res;
    try {
      // Fair use per tenant, counted only for requests the key may make (a refused key costs no count);
      // inside the try so an allowed website can read its 429 too.
      await fairUseLimiter().admit({ tenantId: principal.tenant.id, traffic: principal.key.kind, override: principal.tenant.fairUse });
      res = toResult(await fn({ ...req, principal }));
    } catch (error) {
      // An allowed website must be able to read a 400 or a 429 too, or its script sees only "network error".
      if (!cors) throw error;
      res = errorToProblem(error);
    }
    if (cors) res.headers = { ...res.headers, ...cors };
    return res;
  });
}
