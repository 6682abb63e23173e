import type { Scope } from '../routes.ts';
import { authenticate, type Principal } from '../domain/authenticate.ts';
import { mayCall } from '../domain/api-key.ts';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import { errorToProblem } from './problem.ts';
import { tenantStore } from './stores/tenants.ts';
import { fairUseLimiter } from './stores/rate-limits.ts';
import { httpStack, refuseNamelessQuery, refuseRepeatedQuery, requestHeaders, toRequest, toResult, type ApiHandler, type ApiRequest, type Handler } from './public-api.ts';
import { logTenant, logger } from '../logger.ts';

export type { ApiRequest, ApiResponse } from './public-api.ts';

export interface AuthedRequest extends ApiRequest {
  principal: Principal;
}

/**
 * A presented key: `Authorization: Bearer <key>` or `x-api-key: <key>`; a publishable key may also come as
 * `?key=pk_...`, so a browser's CORS preflight (which carries no headers of ours) names its tenant too.
 * A secret key in a URL would end up in logs and histories: it is refused, not ignored.
 * One key per request: a `?key=` together with a header key is refused (401 naming `key`), never resolved by
 * preferring one of them. That pair is what a web page sends when someone added a secret key to it to get
 * past the publishable key's limits: answering it would hand that secret key's powers to every visitor.
 * Two different keys in `Authorization` and `x-api-key` are refused the same way (the same key twice is one).
 */
function presentedKey(headers: Record<string, string | undefined>, query: Record<string, string | undefined> = {}): string | undefined {
  const auth = headers.authorization;
  const header = headers['x-api-key']?.trim();
  if (query.key !== undefined && (auth || header)) {
    logger.warn('refused a request carrying both ?key= and a header key', { origin: headers.origin ?? null });
    throw new UnauthorizedError(
      'Send one key: ?key= (a publishable key, from a web page) or the Authorization header (a secret key, from a server), not both. A secret key never belongs in a web page: if one was put in a page, revoke it and issue a new one',
      { errors: [{ path: 'key', message: 'send one key, not both ?key= and a header key' }] },
    );
  }
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    // Two different keys in the two headers (perhaps of two tenants) are as ambiguous as `?key=` and a header:
    // refused, never settled by preferring one, which would act on a tenant the caller may not have meant.
    // The same key in both is one key.
    if (m && header && header !== m[1]) {
      throw new UnauthorizedError('Send one key: the Authorization header and x-api-key hold two different keys; send the key in one of them', {
        errors: [{ path: 'key', message: 'send one key, not two different keys in Authorization and x-api-key' }],
      });
    }
    if (m) return m[1];
    // A key was sent, only not as the contract says (`sk_...` alone, `Basic ...`): say how, not "a key is required".
    throw new UnauthorizedError('Authorization must be `Bearer <key>` (or send the key alone in x-api-key)', {
      errors: [{ path: 'Authorization', message: 'must be `Bearer <key>`' }],
    });
  }
  if (header || query.key === undefined) return header;
  if (!query.key.startsWith('pk_')) throw new UnauthorizedError('Only a publishable key (pk_...) may be sent as ?key=; send other keys in the Authorization header');
  return query.key;
}

/**
 * The middy stack of every keyed route: check the key and its scope, parse the request, count it against
 * the tenant's fair-use limit (429 with Retry-After when its window is full), run the handler, add
 * per-tenant CORS headers, and turn every error into problem+json. The key check reads the tenant
 * store only (routes without a key use `publicApi`, which reads none).
 * Key checks live here rather than in an API Gateway authorizer so that answers are proper 401/403
 * problem documents and CORS can follow each tenant's allowed origins.
 * The key comes first, from the headers and the query alone: once its tenant is known, every later refusal
 * (scope 403, malformed JSON 400, body over 1 MB 413, 429) carries the CORS headers for an allowed origin,
 * or a website's script sees only "network error". Without a valid key there is no tenant, so no origin is
 * allowed and a 401 carries none.
 */
export interface ApiOptions {
  /**
   * Limits of the route's own that must refuse a request before it counts against the tenant's fair use
   * (the publishable-key limits per client address and key of POST /v1/events): what they refuse costs the
   * tenant nothing of its budget, so one client over its own limit cannot use up the budget of the shop.
   */
  beforeFairUse?: (req: AuthedRequest) => Promise<void>;
  /**
   * The route's preflight offers `Authorization` and `x-api-key` to every origin (POST /v1/events, so that a
   * page can send its `pk_` the contract's way): a secret key from a cross-origin page is then refused here,
   * 401 naming `key`, so a secret key put in a web page never works.
   */
  refuseSecretKeyFromPages?: boolean;
  /**
   * The query parameters the route reads as comma-separated lists, which may also be given more than once
   * (`tags=VIP&tags=Regular`); any other parameter given twice is a 400 naming it (refuseRepeatedQuery).
   */
  listQuery?: ReadonlySet<string>;
}

/**
 * Whether a request with an `Origin` header comes from another site's page. A browser says so itself in
 * `Sec-Fetch-Site` (a page cannot set it); without that header (an older browser), the Origin's host is
 * compared with the host the request was sent to. The console is same-origin: on AWS CloudFront serves it
 * and `/v1/*` on one origin (its calls say `Sec-Fetch-Site: same-origin`), and locally `npm start` serves both.
 */
export function fromOtherSitesPage(headers: Record<string, string | undefined>, domainName?: string): boolean {
  const origin = headers.origin;
  if (!origin || origin === 'null') return !!origin;
  const site = headers['sec-fetch-site']?.toLowerCase();
  if (site) return site !== 'same-origin';
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return true;
  }
  const own = [headers['x-forwarded-host'], headers.host, domainName].filter((h): h is string => !!h).map((h) => h.toLowerCase());
  return !own.some((h) => h === host || h === host.split(':')[0]);
}

const SECRET_KEY_FROM_PAGE =
  'A secret key never works from a web page on another site: it would be readable by every visitor. From a page send the publishable key (pk_...); send secret keys from a server. If a secret key was put in a page, revoke it and issue a new one';

export function api(scope: Exclude<Scope, 'public'>, fn: Handler<AuthedRequest>, options: ApiOptions = {}): ApiHandler {
  return httpStack(async (event, context) => {
    const headers = requestHeaders(event);
    const principal = await authenticate(tenantStore(), presentedKey(headers, event.queryStringParameters ?? {}));
    logTenant(principal.tenant.id);
    if (options.refuseSecretKeyFromPages && principal.key.kind === 'secret' && fromOtherSitesPage(headers, event.requestContext?.domainName)) {
      logger.warn('refused a secret key sent from another site\'s page', { origin: headers.origin ?? null });
      throw new UnauthorizedError(SECRET_KEY_FROM_PAGE, { errors: [{ path: 'key', message: 'a secret key may not be sent from a web page on another site' }] });
    }
    const origin = headers.origin;
    const originAllowed = !!origin && principal.tenant.allowedOrigins.includes(origin);
    // Retry-After is not a header a script may read unless exposed: a site's form must see when to try again.
    const exposed = 'Retry-After';
    const cors = originAllowed ? { 'access-control-allow-origin': origin!, 'access-control-expose-headers': exposed, vary: 'Origin' } : undefined;
    let res;
    try {
      // The key's scope against the route's (and its method: `read` keys pass GET routes only), before any work.
      const method = event.requestContext?.http?.method ?? '';
      const denied = mayCall(principal.key, scope, method, event.routeKey && event.routeKey !== '$default' ? event.routeKey : `${method} ${event.rawPath}`);
      if (denied) throw new ForbiddenError(denied);
      if (principal.key.kind === 'publishable' && !originAllowed) throw new ForbiddenError('A publishable key works only from the allowed origins in the settings');
      // Parsed before the fair-use count: a body refused as too large, not JSON or malformed costs the tenant no
      // count. JSON only: keyed routes take no forms (only the link routes without a key do, ./public-api.ts).
      const req = toRequest(event, context, 'json');
      refuseNamelessQuery(event.rawQueryString);
      refuseRepeatedQuery(event.rawQueryString, options.listQuery);
      // The route's own per-client limits first: a request they refuse is not counted as the tenant's.
      await options.beforeFairUse?.({ ...req, principal });
      // Fair use per tenant, counted only for requests the key may make (a refused key costs no count).
      await fairUseLimiter().admit({ tenantId: principal.tenant.id, traffic: principal.key.kind, override: principal.tenant.fairUse });
      res = toResult(await fn({ ...req, principal }));
    } catch (error) {
      // An allowed website must be able to read a 400, 403, 413 or 429 too.
      if (!cors) throw error;
      res = errorToProblem(error);
    }
    if (cors) res.headers = { ...res.headers, ...cors };
    return res;
  });
}
