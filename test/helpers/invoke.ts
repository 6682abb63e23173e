import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ROUTES, routePattern } from '../../shared/routes.ts';
import { lambdaContext } from '../../local/lambda.ts';
import { LAMBDA_TIMEOUT_MS } from '../support/timeouts.ts';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
}

/**
 * Calls the handler the route table names for `method url`, with the API Gateway v2 event the HTTP API
 * would send — the same route table and handlers as AWS and the local runtime.
 */
/**
 * `functionTimeoutMs`: the invocation's time, as Lambda would give it (the context's remaining time starts
 * there), for a test of work that must stop before the function's timeout; by default far enough away.
 */
export async function call(
  method: string,
  url: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string>; functionTimeoutMs?: number; sourceIp?: string } = {},
): Promise<Reply> {
  const [path, rawQuery = ''] = url.split('?');
  const route = ROUTES.find((r) => r.method === method && routePattern(r.path).test(path!));
  if (!route) throw new Error(`no route for ${method} ${path}`);
  const params = routePattern(route.path).exec(path!)!.groups ?? {};
  // Every name a parameter of its own (`__proto__` too), as in the JSON event API Gateway sends.
  const joined = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(rawQuery)) joined.set(k, joined.has(k) ? `${joined.get(k)},${v}` : v);
  const query: Record<string, string> = Object.fromEntries(joined);
  // A body goes as JSON, as every client of the API sends it (keyed routes answer 415 to a declared form), unless
  // the test names its own content-type (a form to a link route).
  const typed = Object.keys(opts.headers ?? {}).some((h) => h.toLowerCase() === 'content-type');
  const headers: Record<string, string> = {
    ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
    ...(opts.body !== undefined && !typed ? { 'content-type': 'application/json' } : {}),
    ...opts.headers,
  };
  const event = {
    version: '2.0',
    routeKey: `${method} ${route.path}`,
    rawPath: path,
    rawQueryString: rawQuery,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(params).length ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodeURIComponent(v)])) : undefined,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    isBase64Encoded: false,
    requestContext: { http: { method, path, sourceIp: opts.sourceIp ?? '127.0.0.1', protocol: 'HTTP/1.1', userAgent: 'vitest' }, requestId: 'test', routeKey: `${method} ${route.path}`, stage: '$default' },
  } as unknown as APIGatewayProxyEventV2;
  const mod = (await import(`../../${route.entry}`)) as { handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2> };
  // A context per call, as Lambda gives: its own request id, and a deadline far enough away that a busy
  // machine never trips middy's early timeout (which answers 500).
  const res = await mod.handler(event, lambdaContext(`clientela-${route.name}`, opts.functionTimeoutMs ?? LAMBDA_TIMEOUT_MS));
  const text = res.body ?? '';
  const answered = (res.headers ?? {}) as Record<string, string>;
  // Pages (links opened in a browser) come back as text; everything else is JSON.
  const json = !answered['content-type'] || answered['content-type'].includes('json');
  return { status: res.statusCode ?? 200, headers: answered, body: text ? (json ? JSON.parse(text) : text) : undefined };
}
