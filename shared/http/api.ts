import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Scope } from '../routes.ts';
import { authenticate, type Principal } from '../domain/tenants.ts';
import { mayCall } from '../domain/api-key.ts';
import { DomainError, ForbiddenError, UnauthorizedError, invalid } from '../domain/errors.ts';
import { errorToProblem } from './problem.ts';
import { MAX_BODY_BYTES } from './limits.ts';
import { stores } from './stores.ts';
import { logger, logTenant } from '../logger.ts';

export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body (undefined when there is none). */
  body: unknown;
  sourceIp: string;
}

export interface AuthedRequest extends ApiRequest {
  principal: Principal;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON answer (the page an unsubscribe link shows), sent as is with `contentType`. */
  text?: string;
  contentType?: string;
}

type Handler<R> = (req: R) => Promise<ApiResponse>;

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

function toRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  let body: unknown;
  if (event.body) {
    const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    // Refused before parsing: no route needs more, and parsing (and answering about) a huge body is the cost.
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new DomainError(413, 'Content too large', `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; no route takes more (CSV files go to the upload URL)`);
    // RFC 8058 one-click unsubscribe posts `List-Unsubscribe=One-Click` as a form, not JSON.
    if (headers['content-type']?.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
    else if (raw.trim()) {
      try {
        body = JSON.parse(raw);
      } catch {
        throw invalid('(body)', 'is not valid JSON');
      }
    }
  }
  return {
    params: (event.pathParameters ?? {}) as Record<string, string>,
    query: event.queryStringParameters ?? {},
    headers,
    body,
    sourceIp: event.requestContext?.http?.sourceIp ?? '',
  };
}

function toResult(res: ApiResponse): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { ...res.headers };
  if (res.text !== undefined) return { statusCode: res.status, headers: { 'content-type': res.contentType ?? 'text/plain; charset=utf-8', ...headers }, body: res.text };
  if (res.body === undefined) return { statusCode: res.status, headers };
  return {
    statusCode: res.status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(res.body),
  };
}

/**
 * The middy stack every API function shares: parse the request, check the key and its scope, run the
 * handler, add per-tenant CORS headers, and turn every error into problem+json. Every log line of a
 * request carries its request id and function name and, once the key is checked, its tenant id; the keys
 * are reset when the request ends, so the next one starts without them.
 * Key checks live here rather than in an API Gateway authorizer so that answers are proper 401/403
 * problem documents and CORS can follow each tenant's allowed origins.
 */
export function api(scope: 'public', fn: Handler<ApiRequest>): middy.MiddyfiedHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;
export function api(scope: Exclude<Scope, 'public'>, fn: Handler<AuthedRequest>): middy.MiddyfiedHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;
export function api(scope: Scope, fn: Handler<AuthedRequest> | Handler<ApiRequest>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        request.response = errorToProblem(request.error);
      },
    })
    .handler(async (event) => {
      const req = toRequest(event);
      if (scope === 'public') return toResult(await (fn as Handler<ApiRequest>)(req));

      const principal = await authenticate(stores().tenants, presentedKey(req.headers, req.query));
      logTenant(principal.tenant.id);
      // The key's scope against the route's (and its method: `read` keys pass GET routes only), before any work.
      const method = event.requestContext?.http?.method ?? '';
      const denied = mayCall(principal.key, scope, method, event.routeKey && event.routeKey !== '$default' ? event.routeKey : `${method} ${event.rawPath}`);
      if (denied) throw new ForbiddenError(denied);
      const origin = req.headers.origin;
      const originAllowed = !!origin && principal.tenant.allowedOrigins.includes(origin);
      if (principal.key.kind === 'publishable' && !originAllowed) throw new ForbiddenError('A publishable key works only from the allowed origins in the settings');
      const cors = originAllowed ? { 'access-control-allow-origin': origin!, vary: 'Origin' } : undefined;
      let res: APIGatewayProxyStructuredResultV2;
      try {
        res = toResult(await (fn as Handler<AuthedRequest>)({ ...req, principal }));
      } catch (error) {
        // An allowed website must be able to read a 400 or a 429 too, or its script sees only "network error".
        if (!cors) throw error;
        res = errorToProblem(error);
      }
      if (cors) res.headers = { ...res.headers, ...cors };
      return res;
    });
}
