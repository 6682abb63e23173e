import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DomainError, NotFoundError, invalid } from '../domain/errors.ts';
import { errorToProblem } from './problem.ts';
import { MAX_BODY_BYTES, MAX_PATH_PARAM_CHARS } from './limits.ts';
import { logger } from '../logger.ts';

export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body (undefined when there is none). */
  body: unknown;
  sourceIp: string;
  /** How long this invocation may still run (Lambda's `getRemainingTimeInMillis`): work that may take long stops in time. */
  remainingMs: () => number;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON answer (the page an unsubscribe link shows), sent as is with `contentType`. */
  text?: string;
  contentType?: string;
}

export type Handler<R> = (req: R) => Promise<ApiResponse>;
export type ApiHandler = middy.MiddyfiedHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;

/**
 * Where a parsed JSON body has a key `__proto__`, as `a.b.__proto__`. JSON.parse keeps it as an own key, but
 * zod and DynamoDB's marshaller drop it silently (they build plain objects, where it sets the prototype):
 * a 400 naming it is better than a name the business sent and never sees stored.
 */
function protoKeyPath(value: unknown): string | undefined {
  // An explicit stack, not recursion: a body is up to 1 MB and JSON.parse takes `[[[…` hundreds of thousands
  // deep, which a recursive walk would answer with a stack overflow (a 500).
  const stack: [unknown, string][] = [[value, '']];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, path] = next;
    if (!v || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v)) {
      const here = path ? `${path}.${k}` : k;
      if (k === '__proto__') return here;
      if (child && typeof child === 'object') stack.push([child, here]);
    }
  }
  return undefined;
}

/** The request's headers with lower-case names: all a key check needs, read without touching the body. */
export function requestHeaders(event: APIGatewayProxyEventV2): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  return headers;
}

/**
 * What bodies a route reads. `json`: JSON only, sent as `application/json`, `text/plain` or without a type
 * (every keyed route: the contract's "JSON in"; see readAsJson). `json-or-form`: also `application/x-www-form-urlencoded`, for the routes without a
 * key that people's mail and pages post to (RFC 8058 one-click unsubscribe sends `List-Unsubscribe=One-Click`
 * as a form, and the link pages' buttons are plain HTML forms).
 */
export type BodyTypes = 'json' | 'json-or-form';

/** `application/json`, with or without parameters (`; charset=utf-8`), and JSON types such as `application/merge-patch+json`. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;
const mediaType = (contentType: string | undefined) => contentType?.split(';')[0]!.trim().toLowerCase();

/**
 * A keyed route reads its body as JSON when it says so, and also when it says nothing or `text/plain`: a web
 * page's `fetch` with a string body sends `text/plain` (a "simple" request, which spares the visitor a
 * preflight), as do tools that set no type, and websites have always sent events so. A body declared as
 * something else (a form, which `curl -d` sends, multipart, XML) is refused rather than guessed at.
 */
const readAsJson = (type: string | undefined) => type === undefined || type === '' || type === 'text/plain' || JSON_MEDIA_TYPE.test(type);

/**
 * The request as handlers see it. Throws a problem (413 over 1 MB, 415 a body that is not JSON where JSON is
 * wanted, 400 malformed JSON, 404 an over-long path parameter): keyed routes call it only once the key is
 * checked (./api.ts), so that the answer to an allowed website carries its CORS headers and the browser can
 * read it.
 */
export function toRequest(event: APIGatewayProxyEventV2, context: Context | undefined, accepts: BodyTypes): ApiRequest {
  const headers = requestHeaders(event);
  let body: unknown;
  if (event.body) {
    const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    // Refused before parsing: no route needs more, and parsing (and answering about) a huge body is the cost.
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new DomainError(413, 'Content too large', `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; no route takes more (CSV files go to the upload URL)`);
    const type = mediaType(headers['content-type']);
    // A body that is only white space is no body (a POST that needs none, sent by a tool that adds a newline).
    if (accepts === 'json' && raw.trim() && !readAsJson(type)) throw notJson(type);
    if (type === 'application/x-www-form-urlencoded') body = Object.fromEntries(new URLSearchParams(raw));
    else if (raw.trim()) {
      try {
        body = JSON.parse(raw);
      } catch {
        throw invalid('(body)', 'is not valid JSON');
      }
      // Only a body that could hold the key is walked (`\u` escapes can spell it too).
      const proto = (raw.includes('__proto__') || raw.includes('\\u')) && protoKeyPath(body);
      if (proto) throw invalid(proto, 'the name "__proto__" is reserved by JavaScript and cannot be stored; choose another name');
    }
  }
  const params = (event.pathParameters ?? {}) as Record<string, string>;
  for (const [name, value] of Object.entries(params)) {
    if (value.length > MAX_PATH_PARAM_CHARS) throw new NotFoundError(`The ${name} (over ${MAX_PATH_PARAM_CHARS} characters)`);
  }
  return {
    params,
    query: event.queryStringParameters ?? {},
    headers,
    body,
    sourceIp: event.requestContext?.http?.sourceIp ?? '',
    // Without a context (a handler called bare) nothing bounds the call but the caller.
    remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
  };
}

function decodedName(part: string): string {
  const eq = part.indexOf('=');
  const name = (eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** The `path` of a 400 about a query parameter without a name, as `(body)` is that of a body that is no JSON. */
export const NAMELESS_QUERY_PATH = '(query)';
export const NAMELESS_QUERY_MESSAGE = 'a query parameter has no name (as in ?=x or &=&): write name=value, or leave it out';

/**
 * A 400 for a query parameter without a name (`?=x`, `?a=1&=&b=2`, `?%20=x`): it reached the route's schema as a
 * parameter named "" and was refused as an unknown field with no name to show ("(body): unknown field: "), which
 * sent a developer looking at a body they never sent. Read from the raw query, as API Gateway passes it on, so
 * the local runtime and AWS answer alike. Stray `&`s (`?&&limit=5`) hold no parameter and are left alone.
 */
export function refuseNamelessQuery(rawQueryString: string | undefined): void {
  if (!rawQueryString) return;
  for (const part of rawQueryString.split('&')) {
    if (part && !decodedName(part).trim()) {
      throw invalid(NAMELESS_QUERY_PATH, NAMELESS_QUERY_MESSAGE);
    }
  }
}

/**
 * A 400 naming the first query parameter given more than once (`?limit=0&limit=1`) that is not one of `lists`.
 * API Gateway hands such a parameter over as its values joined by commas (`"0,1"`), which a parameter of one
 * value then refused for what it is not ("limit: must be a number") or, text, took whole. A parameter the route
 * reads as a comma-separated list (`tags=VIP&tags=Regular`) means the same repeated, and is left to it.
 * Names are read from the raw query as API Gateway decodes them (`+` a space, percent-escapes).
 */
export function refuseRepeatedQuery(rawQueryString: string | undefined, lists: ReadonlySet<string> = new Set()): void {
  if (!rawQueryString?.includes('&')) return;
  const seen = new Set<string>();
  for (const part of rawQueryString.split('&')) {
    if (!part) continue;
    const name = decodedName(part);
    if (!seen.has(name)) seen.add(name);
    else if (name && !lists.has(name)) throw invalid(name, 'given more than once: it takes one value');
  }
}

/**
 * 415 naming `content-type`: `curl -d` sends a form, and reading it as one answered about fields nobody sent
 * (`{"email":...}: unknown field`). The answer says what to send instead.
 */
function notJson(type: string | undefined): DomainError {
  const sent = type ? `content-type ${type.slice(0, 100)}` : 'no content-type';
  return new DomainError(415, 'Unsupported media type', `The body came with ${sent}: this route reads JSON; send JSON with content-type: application/json`, {
    errors: [{ path: 'content-type', message: 'must be application/json' }],
  });
}

/**
 * Every answer is `no-store` unless its handler says otherwise: the API answers with a tenant's customers,
 * and a browser that kept them (the console on a shop's shared computer) would hand them out after sign-out
 * to anyone asking its cache (`fetch(url, { cache: 'only-if-cached' })` needs no key). CloudFront's
 * CachingDisabled policy stops only the edge from keeping them.
 */
export const NO_STORE = { 'cache-control': 'no-store' } as const;

export function toResult(res: ApiResponse): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { ...NO_STORE, ...res.headers };
  if (res.text !== undefined) return { statusCode: res.status, headers: { 'content-type': res.contentType ?? 'text/plain; charset=utf-8', ...headers }, body: res.text };
  if (res.body === undefined) return { statusCode: res.status, headers };
  return {
    statusCode: res.status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(res.body),
  };
}

/**
 * The middy stack every API function shares: run the handler and turn every error into problem+json. Every
 * log line of a request carries its request id and function name and, once the key is checked, its tenant
 * id; the keys are reset when the request ends, so the next one starts without them.
 */
export function httpStack(run: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>): ApiHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        request.response = errorToProblem(request.error);
      },
    })
    .handler(run);
}

/**
 * A route without a key (scope `public`: health, OpenAPI, links mailed to people). It imports no store, so
 * a function that needs none (health, OpenAPI) carries no AWS SDK; keyed routes use `api` (./api.ts).
 * Forms are read here: the link pages' buttons and RFC 8058 one-click post them.
 */
export function publicApi(fn: Handler<ApiRequest>): ApiHandler {
  return httpStack(async (event, context) => toResult(await fn(toRequest(event, context, 'json-or-form'))));
}
