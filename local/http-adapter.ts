/**
 * API Gateway HTTP API, locally: a Node http server that finds the route of each request in the same
 * route table the CDK stack deploys (shared/routes.ts), builds the payload format 2.0 event API Gateway
 * would send, calls the route's handler and writes its answer back.
 */
import { createServer, maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { API_FUNCTION_TIMEOUT_SECONDS, ROUTES, routePattern, type Route } from '../shared/routes.ts';
import { lambdaContext, MissingHandlerError, moduleLoader, type ModuleLoader } from './lambda.ts';
import { serveConsole } from './console-static.ts';

/** Lambda's synchronous invocation payload limit (the request's event, and the function's result). */
export const BODY_LIMIT_BYTES = 6 * 1024 * 1024;
/** API Gateway HTTP API's integration timeout. */
export const INTEGRATION_TIMEOUT_MS = 30_000;
/** Lambda's timeout of an API function, as CDK deploys it (infra/constructs/function.ts). */
export const FUNCTION_TIMEOUT_MS = API_FUNCTION_TIMEOUT_SECONDS * 1000;

export interface HttpAdapterOptions {
  routes?: Route[];
  /** How a route's `entry` becomes a module with a `handler` (tests pass fakes). */
  loadModule?: ModuleLoader;
  bodyLimitBytes?: number;
  /** The largest Lambda result (the JSON Lambda returns, body as an escaped string) answered; over it a 500, as on AWS. */
  resultLimitBytes?: number;
  /** API Gateway's integration timeout: a 503 past it. */
  timeoutMs?: number;
  /** The function's own timeout (its context's remaining time starts there): a 500 past it, as Lambda's "Task timed out". */
  functionTimeoutMs?: number;
  log?: (message: string, error?: unknown) => void;
  /** The built admin console (dist/console): served at `/` for GET paths outside the API's routes. */
  consoleDir?: string;
  /** Origins the console uploads import files to (its Content-Security-Policy's connect-src): the S3 endpoint. */
  consoleUploadOrigins?: string[];
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
}

/** The request listener: `createServer(httpAdapter())`. */
export function httpAdapter(opts: HttpAdapterOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: CompiledRoute[] = (opts.routes ?? ROUTES).map((route) => ({ route, pattern: routePattern(route.path) }));
  const load = opts.loadModule ?? moduleLoader();
  const bodyLimit = opts.bodyLimitBytes ?? BODY_LIMIT_BYTES;
  const timeoutMs = opts.timeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const functionTimeoutMs = opts.functionTimeoutMs ?? FUNCTION_TIMEOUT_MS;
  const resultLimit = opts.resultLimitBytes ?? BODY_LIMIT_BYTES;
  const log = opts.log ?? ((message, error) => console.error(`[http] ${message}`, error ?? ''));

  return (req, res) => {
    const requestId = apiGatewayRequestId();
    res.setHeader('apigw-requestid', requestId);
    handle(req, res, requestId).catch((error) => {
      log(`${req.method} ${req.url} failed in the adapter`, error);
      if (!res.headersSent) problem(res, 500, 'Internal server error', 'The local runtime failed to handle the request');
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQueryString = q === -1 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();

    const onPath = routes
      .map(({ route, pattern }) => ({ route, match: pattern.exec(rawPath) }))
      .filter((m): m is { route: Route; match: RegExpExecArray } => m.match !== null);
    if (onPath.length === 0) {
      if (opts.consoleDir && serveConsole(req, res, opts.consoleDir, rawPath, opts.consoleUploadOrigins)) return;
      req.resume();
      return problem(res, 404, 'Not found', `No route matches ${method} ${rawPath}`);
    }
    const found = onPath.find((m) => m.route.method === method);
    if (!found) {
      req.resume();
      const allow = [...new Set(onPath.map((m) => m.route.method))].join(', ');
      res.setHeader('allow', allow);
      return problem(res, 405, 'Method not allowed', `${rawPath} answers ${allow}, not ${method}`);
    }

    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > bodyLimit) {
      req.resume();
      return problem(res, 413, 'Payload too large', `The request body is over ${bodyLimit} bytes`);
    }
    const body = await readBody(req, bodyLimit);
    if (body === 'too-large') return problem(res, 413, 'Payload too large', `The request body is over ${bodyLimit} bytes`);

    const event = buildEvent({
      route: found.route,
      pathParameters: found.match.groups,
      method,
      rawPath,
      rawQueryString,
      rawHeaders: req.rawHeaders,
      body,
      requestId,
      sourceIp: normaliseIp(req.socket.remoteAddress),
      domainName: req.headers.host ?? 'localhost',
    });

    let mod;
    try {
      mod = await load(found.route.entry);
    } catch (error) {
      if (error instanceof MissingHandlerError) {
        return problem(res, 501, 'Not implemented', `${found.route.method} ${found.route.path}: ${error.message}`);
      }
      log(`could not load ${found.route.entry}`, error);
      return problem(res, 500, 'Internal server error', `The handler of ${found.route.method} ${found.route.path} failed to load`);
    }

    let result: unknown;
    // The function's time, as Lambda gives it: what the handler reads from its context, and where it is cut off
    // (an API function's timeout is below API Gateway's, so on AWS the function's is the one that ends a call).
    const context = lambdaContext(`clientela-${found.route.name}`, functionTimeoutMs);
    const cutOffMs = Math.min(functionTimeoutMs, timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    try {
      result = await Promise.race([
        Promise.resolve().then(() => mod.handler(event, context)),
        new Promise((_, fail) => {
          timer = setTimeout(() => fail(new IntegrationTimeout()), cutOffMs);
        }),
      ]);
    } catch (error) {
      if (error instanceof IntegrationTimeout && cutOffMs < timeoutMs) {
        // Lambda ends the invocation ("Task timed out"); API Gateway answers that as a function error, a 500.
        log(`${event.routeKey} timed out: the function did not answer within its ${functionTimeoutMs} ms (Lambda's timeout)`);
        return problem(res, 500, 'Internal server error', `The function did not answer within its ${functionTimeoutMs / 1000} s timeout`);
      }
      if (error instanceof IntegrationTimeout) {
        log(`${event.routeKey} did not answer within ${timeoutMs} ms`);
        return problem(res, 503, 'Service unavailable', `The function did not answer within ${timeoutMs / 1000} s`);
      }
      // On AWS an unhandled error is a 500 {"message":"Internal Server Error"}; the contract wants problem+json.
      log(`${event.routeKey} threw`, error);
      return problem(res, 500, 'Internal server error', 'The function failed; see the server log');
    } finally {
      clearTimeout(timer);
    }
    // Lambda refuses a result over its payload limit (the whole result, the body in it an escaped string):
    // on AWS the caller gets a 500, so locally too, or a page that only fits here would pass every test.
    const resultBytes = lambdaResultBytes(result);
    if (resultBytes > resultLimit) {
      log(`${event.routeKey} answered a Lambda result of ${resultBytes} bytes, over Lambda's ${resultLimit}: AWS would answer 500`);
      return problem(res, 500, 'Internal server error', `The function's result (${resultBytes} bytes) is over Lambda's ${resultLimit}-byte response limit`);
    }
    writeResult(res, result);
  }
}

/** The size of a handler's result as Lambda serializes it (JSON, UTF-8). */
export function lambdaResultBytes(result: unknown): number {
  return result === undefined ? 0 : Buffer.byteLength(JSON.stringify(result) ?? '');
}

class IntegrationTimeout extends Error {}

/** An HTTP server bound to nothing yet: `.listen(port, '127.0.0.1')`. */
export function createApiServer(opts: HttpAdapterOptions = {}): Server {
  const server = createServer(httpAdapter(opts));
  server.on('clientError', answerClientError);
  return server;
}

/** What Node's parser refuses before any route sees the request, as status, title and detail (the server takes Node's default header size). */
function clientProblem(error: NodeJS.ErrnoException): [number, string, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request header fields too large', `The URL and headers of the request are over ${maxHeaderSize} bytes, more than this server reads: send a shorter URL (fewer or shorter query parameters) or shorter headers`];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Content too large', 'The chunk extensions of the request body are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request timeout', 'The request did not arrive in time'];
    default:
      return [400, 'Bad request', 'The request is not valid HTTP: its request line or headers could not be read'];
  }
}

/**
 * Node answers a request its parser refuses (over-long URL or headers: 431; not HTTP: 400) by itself, with
 * an empty body, unless the server listens for `clientError`. The contract says every 4xx is problem+json,
 * the runtime's own answers included (as `problem` below). On AWS, API Gateway's own limits answer instead.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex) {
  // The client went away, or an answer to an earlier request on this connection is already being written:
  // another answer would corrupt it (what Node's own handler checks), so the connection just ends.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy(error);
    return;
  }
  const [status, title, detail] = clientProblem(error);
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'content-type: application/problem+json\r\n' +
      'cache-control: no-store\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return 'too-large';
    }
    chunks.push(chunk as Buffer);
  }
  return size === 0 ? undefined : Buffer.concat(chunks);
}

export interface EventInput {
  route: Pick<Route, 'method' | 'path'>;
  /** Raw (still percent-encoded) path parameters, as matched on the raw path. */
  pathParameters?: Record<string, string>;
  method: string;
  rawPath: string;
  rawQueryString: string;
  /** Node's `req.rawHeaders`: name, value, name, value... */
  rawHeaders: string[];
  body?: Buffer;
  requestId?: string;
  sourceIp?: string;
  domainName?: string;
  now?: Date;
}

/** The API Gateway HTTP API payload format 2.0 event for one request. */
export function buildEvent(input: EventInput): APIGatewayProxyEventV2 {
  const now = input.now ?? new Date();
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    const name = input.rawHeaders[i]!.toLowerCase();
    const value = input.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      // Format 2.0 moves cookies out of the headers, one entry per cookie.
      cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const sourceIp = input.sourceIp ?? '127.0.0.1';
  const host = input.domainName ?? headers.host ?? 'localhost';
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= host.includes(':') ? host.split(':').pop()! : '80';
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  const query = parseQuery(input.rawQueryString);
  const pathParameters = input.pathParameters && Object.keys(input.pathParameters).length
    ? Object.fromEntries(Object.entries(input.pathParameters).map(([k, v]) => [k, safeDecode(v)]))
    : undefined;
  const requestId = input.requestId ?? apiGatewayRequestId();
  const routeKey = `${input.route.method} ${input.route.path}`;

  let body: string | undefined;
  let isBase64Encoded = false;
  if (input.body !== undefined) {
    if (isTextual(headers['content-type'], input.body)) body = input.body.toString('utf8');
    else {
      body = input.body.toString('base64');
      isBase64Encoded = true;
    }
  }

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host.split(':')[0]!,
      domainPrefix: host.split('.')[0]!.split(':')[0]!,
      http: {
        method: input.method,
        path: safeDecode(input.rawPath),
        protocol: 'HTTP/1.1',
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(pathParameters ? { pathParameters } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  };
  return event;
}

/** `a=1&a=2&b=x%20y` → `{ a: '1,2', b: 'x y' }` (API Gateway decodes values and joins repeats with commas). */
export function parseQuery(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  // A Map, then Object.fromEntries: every name stays a parameter of its own, as in the event API Gateway sends
  // (JSON), where a plain object would take `__proto__` for its prototype and `constructor` as already there.
  const out = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = safeDecode((eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq === -1 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    const before = out.get(key);
    out.set(key, before === undefined ? value : `${before},${value}`);
  }
  return out.size ? Object.fromEntries(out) : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const TEXT_TYPES = /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded|graphql|csv|x-ndjson|jsonl?)\b)/i;

function isTextual(contentType: string | undefined, body: Buffer): boolean {
  if (contentType) return TEXT_TYPES.test(contentType.trim());
  // No content type: text when it is valid UTF-8.
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `12/Mar/2020:19:03:58 +0000` */
function apiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** API Gateway's request ids look like `JhRf5jdtliAEMvQ=`. */
function apiGatewayRequestId(): string {
  return randomBytes(10).toString('base64');
}

function normaliseIp(ip: string | undefined): string {
  if (!ip) return '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/**
 * Writes a handler's result the way API Gateway interprets format 2.0 answers: a structured result
 * (`statusCode`...) as is; anything else as a 200 JSON body.
 */
function writeResult(res: ServerResponse, result: unknown) {
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2 & { multiValueHeaders?: Record<string, (string | number | boolean)[]> })
      : undefined;
  if (!structured) {
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json');
    const body = typeof result === 'string' ? result : result === undefined ? '' : JSON.stringify(result);
    res.end(body);
    return;
  }
  res.statusCode = structured.statusCode ?? 200;
  for (const [name, value] of Object.entries(structured.headers ?? {})) res.setHeader(name.toLowerCase(), String(value));
  for (const [name, values] of Object.entries(structured.multiValueHeaders ?? {})) {
    res.setHeader(name.toLowerCase(), values.map(String));
  }
  if (structured.cookies?.length) {
    const existing = res.getHeader('set-cookie');
    const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader('set-cookie', [...before, ...structured.cookies]);
  }
  const body = structured.body ?? '';
  const bytes = structured.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (!res.hasHeader('content-type') && bytes.length > 0) res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
}

/** An RFC 9457 answer from the runtime itself (no handler involved). */
function problem(res: ServerResponse, status: number, title: string, detail: string) {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  // As every API answer (shared/http/public-api.ts NO_STORE): API Gateway's own 404 and 405 are not cached either.
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

