import { request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer, FUNCTION_TIMEOUT_MS } from '../../local/http-adapter.ts';
import { MissingHandlerError, type LambdaHandler } from '../../local/lambda.ts';
import type { Route } from '../../shared/routes.ts';

/**
 * The local API Gateway: a fake route table and fake handler modules, so what is checked is the event the
 * adapter builds and how it writes answers back, not any real handler.
 */
const seen: { event: APIGatewayProxyEventV2; context: Context; remainingAtCall: number }[] = [];
const echo: LambdaHandler = (event, context) => {
  // Read as the handler runs: read later, by the test, the 300 ms deadline may have passed on a busy machine.
  seen.push({ event, context, remainingAtCall: context.getRemainingTimeInMillis() });
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
};

const handlers: Record<string, LambdaHandler> = {
  'fake/echo.ts': echo,
  'fake/answer.ts': () => ({
    statusCode: 201,
    headers: { 'X-Thing': 'yes', etag: '"3"' },
    cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
    body: Buffer.from('binary \u00e8 answer').toString('base64'),
    isBase64Encoded: true,
  }),
  'fake/plain.ts': () => ({ hello: 'world' }),
  'fake/throws.ts': () => {
    throw new Error('boom');
  },
  'fake/slow.ts': () => new Promise(() => undefined),
};

const routes: Route[] = [
  { method: 'GET', path: '/v1/things/{id}', name: 'GetThing', entry: 'fake/echo.ts', scope: 'admin' },
  { method: 'POST', path: '/v1/things', name: 'CreateThing', entry: 'fake/echo.ts', scope: 'admin' },
  { method: 'DELETE', path: '/v1/things/{id}/tags/{tag}', name: 'DeleteTag', entry: 'fake/echo.ts', scope: 'admin' },
  { method: 'GET', path: '/v1/answer', name: 'Answer', entry: 'fake/answer.ts', scope: 'public' },
  { method: 'GET', path: '/v1/plain', name: 'Plain', entry: 'fake/plain.ts', scope: 'public' },
  { method: 'GET', path: '/v1/throws', name: 'Throws', entry: 'fake/throws.ts', scope: 'public' },
  { method: 'GET', path: '/v1/slow', name: 'Slow', entry: 'fake/slow.ts', scope: 'public' },
  { method: 'GET', path: '/v1/missing', name: 'Missing', entry: 'fake/missing.ts', scope: 'public' },
];

let server: Server;
let base: string;
const logged: string[] = [];

beforeAll(async () => {
  server = createApiServer({
    routes,
    loadModule: async (entry) => {
      const handler = handlers[entry];
      if (!handler) throw new MissingHandlerError(entry);
      return { handler };
    },
    bodyLimitBytes: 1024,
    timeoutMs: 300,
    functionTimeoutMs: 300,
    log: (message) => logged.push(message),
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
}

/** A raw request, so repeated headers and exact bytes reach the server as written. */
function send(method: string, path: string, opts: { headers?: Record<string, string | string[]>; body?: Buffer | string } = {}): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request(`${base}${path}`, { method, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        ok({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}

const lastEvent = () => seen.at(-1)!.event;

describe('the API Gateway v2 event', () => {
  it('carries route key, raw and decoded path, query, headers and cookies as HTTP APIs send them', async () => {
    const before = Date.now();
    const res = await send('GET', '/v1/things/caf%C3%A9%20bar?tag=VIP&tag=Regular&q=rossi+anna&city=S%C3%A3o%20Paulo&flag', {
      headers: { 'User-Agent': 'vitest-agent', 'X-Multi': ['one', 'two'], Cookie: 'session=abc; theme=dark', Authorization: 'Bearer sk_x' },
    });
    expect(res.status).toBe(200);
    const event = lastEvent();
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('GET /v1/things/{id}');
    expect(event.rawPath).toBe('/v1/things/caf%C3%A9%20bar');
    expect(event.rawQueryString).toBe('tag=VIP&tag=Regular&q=rossi+anna&city=S%C3%A3o%20Paulo&flag');
    expect(event.pathParameters).toEqual({ id: 'café bar' });
    expect(event.queryStringParameters).toEqual({ tag: 'VIP,Regular', q: 'rossi anna', city: 'São Paulo', flag: '' });
    expect(event.headers['user-agent']).toBe('vitest-agent');
    expect(event.headers['x-multi']).toBe('one,two');
    expect(event.headers.authorization).toBe('Bearer sk_x');
    expect(Object.keys(event.headers).every((h) => h === h.toLowerCase())).toBe(true);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);

    const ctx = event.requestContext;
    expect(ctx.http).toMatchObject({ method: 'GET', path: '/v1/things/café bar', sourceIp: '127.0.0.1', userAgent: 'vitest-agent', protocol: 'HTTP/1.1' });
    expect(ctx.routeKey).toBe('GET /v1/things/{id}');
    expect(ctx.stage).toBe('$default');
    expect(ctx.domainName).toBe('127.0.0.1');
    expect(ctx.requestId).toBe(res.headers['apigw-requestid']);
    expect(ctx.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(ctx.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('keeps __proto__ and constructor as parameters of their own, as the JSON event of API Gateway does', async () => {
    expect((await send('GET', '/v1/things/x?__proto__=1&constructor=a&constructor=b')).status).toBe(200);
    const query = lastEvent().queryStringParameters!;
    expect(Object.entries(query)).toEqual([
      ['__proto__', '1'],
      ['constructor', 'a,b'],
    ]);
  });

  it('leaves out query and path parameters when there are none, and decodes every path parameter', async () => {
    await send('POST', '/v1/things', { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(lastEvent().queryStringParameters).toBeUndefined();
    expect(lastEvent().pathParameters).toBeUndefined();
    expect(lastEvent().cookies).toBeUndefined();

    await send('DELETE', '/v1/things/01ABC/tags/Friends%20%26%20Family');
    expect(lastEvent().routeKey).toBe('DELETE /v1/things/{id}/tags/{tag}');
    expect(lastEvent().pathParameters).toEqual({ id: '01ABC', tag: 'Friends & Family' });
  });

  it('passes a JSON body as text and a binary one base64-encoded', async () => {
    const json = JSON.stringify({ firstName: 'Zoë', email: 'zoe@example.com' });
    await send('POST', '/v1/things', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: json });
    expect(lastEvent().body).toBe(json);
    expect(lastEvent().isBase64Encoded).toBe(false);

    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x10, 0x80]);
    await send('POST', '/v1/things', { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(lastEvent().isBase64Encoded).toBe(true);
    expect(Buffer.from(lastEvent().body!, 'base64').equals(bytes)).toBe(true);
  });

  it('gives the handler a Lambda context with a deadline', async () => {
    await send('GET', '/v1/things/1');
    const { context, remainingAtCall } = seen.at(-1)!;
    expect(context.functionName).toBe('clientela-GetThing');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    // The function's 300 ms, counted from when it made the context (it calls the handler straight after).
    expect(remainingAtCall).toBeGreaterThan(0);
    expect(remainingAtCall).toBeLessThanOrEqual(300);
    // A deadline, not a number: what is left only goes down.
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(remainingAtCall);
  });
});

describe('answers', () => {
  it('writes status, headers, cookies and a base64 body back', async () => {
    const res = await send('GET', '/v1/answer');
    expect(res.status).toBe(201);
    expect(res.headers['x-thing']).toBe('yes');
    expect(res.headers.etag).toBe('"3"');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(res.text).toBe('binary \u00e8 answer');
  });

  it('turns a result without statusCode into a 200 JSON answer, as API Gateway does', async () => {
    const res = await send('GET', '/v1/plain');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toEqual({ hello: 'world' });
  });
});

describe('problems', () => {
  const isProblem = (res: Answer, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    // docs/api.md: every answer is no-store, the adapter's own (no route, wrong method, too large) included.
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({ type: 'about:blank', status });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    return body;
  };

  it('answers 404 problem+json for a path no route has', async () => {
    const body = isProblem(await send('GET', '/v1/nothing-here'), 404);
    expect(body.detail).toContain('/v1/nothing-here');
    isProblem(await send('GET', '/v1/things/1/extra'), 404);
    isProblem(await send('GET', '/v1/things/'), 404);
  });

  it('answers 405 problem+json, with Allow, for a known path and another method', async () => {
    const res = await send('PUT', '/v1/things/1');
    isProblem(res, 405);
    expect(res.headers.allow).toBe('GET');
  });

  it('answers 500 problem+json when a handler throws, logs it, and keeps serving', async () => {
    const body = isProblem(await send('GET', '/v1/throws'), 500);
    expect(body.detail).not.toContain('boom');
    expect(logged.some((l) => l.includes('GET /v1/throws'))).toBe(true);
    expect((await send('GET', '/v1/plain')).status).toBe(200);
  });

  it('answers 413 problem+json for a body over the payload limit, whether announced or streamed', async () => {
    isProblem(await send('POST', '/v1/things', { headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2048) }), 413);
    isProblem(
      await send('POST', '/v1/things', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: 'y'.repeat(4096) }),
      413,
    );
  });

  it('answers 503 problem+json when the handler does not answer in time', async () => {
    isProblem(await send('GET', '/v1/slow'), 503);
  });

  it("answers 431 problem+json, not Node's empty answer, for an over-long URL or header, and keeps serving", async () => {
    const longUrl = isProblem(await send('GET', `/v1/things/1?q=${'a'.repeat(20_000)}`), 431);
    expect(longUrl.title).toBe('Request header fields too large');
    expect(longUrl.detail).toContain('shorter URL');
    isProblem(await send('GET', '/v1/things/1', { headers: { authorization: `Bearer sk_${'b'.repeat(20_000)}` } }), 431);
    expect((await send('GET', '/v1/things/1')).status).toBe(200);
  });

  it('answers 400 problem+json for a request that is not HTTP', async () => {
    const answer = await new Promise<string>((ok, fail) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', fail);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain('content-type: application/problem+json');
    expect(head).toContain('cache-control: no-store');
    expect(JSON.parse(body!)).toMatchObject({ type: 'about:blank', title: 'Bad request', status: 400, detail: expect.stringContaining('not valid HTTP') });
  });

  it('answers 501 problem+json while a route has no handler module yet', async () => {
    const body = isProblem(await send('GET', '/v1/missing'), 501);
    expect(body.detail).toContain('fake/missing.ts');
  });
});

describe('with the real route table', () => {
  it('serves GET /v1/health through the handler module shared/routes.ts names', async () => {
    const real = createApiServer();
    await new Promise<void>((ok) => real.listen(0, '127.0.0.1', ok));
    try {
      const res = await fetch(`http://127.0.0.1:${(real.address() as AddressInfo).port}/v1/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    } finally {
      real.closeAllConnections();
      await new Promise((ok) => real.close(ok));
    }
  });
});

describe("Lambda's own limits, as on AWS", () => {
  /** Quotes escape to two bytes each in the result Lambda returns (the body is a JSON string inside it). */
  const quotes = (n: number) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ q: '"'.repeat(n) }) });
  const contexts: { remainingAtCall: number }[] = [];
  const fake: Record<string, LambdaHandler> = {
    'fake/context.ts': (_event, context) => {
      contexts.push({ remainingAtCall: context.getRemainingTimeInMillis() });
      return { statusCode: 204 };
    },
    'fake/fits.ts': () => quotes(1000),
    'fake/over.ts': () => quotes(3000),
    'fake/slow.ts': () => new Promise(() => undefined),
  };
  const limited: Route[] = [
    { method: 'GET', path: '/v1/context', name: 'Context', entry: 'fake/context.ts', scope: 'public' },
    { method: 'GET', path: '/v1/fits', name: 'Fits', entry: 'fake/fits.ts', scope: 'public' },
    { method: 'GET', path: '/v1/over', name: 'Over', entry: 'fake/over.ts', scope: 'public' },
    { method: 'GET', path: '/v1/slow', name: 'Slow', entry: 'fake/slow.ts', scope: 'public' },
  ];
  const messages: string[] = [];
  const start = async (opts: { functionTimeoutMs?: number; resultLimitBytes?: number }) => {
    const s = createApiServer({ routes: limited, loadModule: async (entry) => ({ handler: fake[entry]! }), log: (m) => messages.push(m), ...opts });
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
  };
  const stop = async (s: Server) => {
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  };

  it("gives each function the timeout CDK deploys it with, not API Gateway's 30 s", async () => {
    const { server: s, url } = await start({});
    try {
      expect((await fetch(`${url}/v1/context`)).status).toBe(204);
      expect(contexts.at(-1)!.remainingAtCall).toBeGreaterThan(0);
      expect(contexts.at(-1)!.remainingAtCall).toBeLessThanOrEqual(FUNCTION_TIMEOUT_MS);
    } finally {
      await stop(s);
    }
  });

  it('answers 500 when the function outlives its timeout (Lambda ends it), before API Gateway would give up', async () => {
    const { server: s, url } = await start({ functionTimeoutMs: 200 });
    try {
      const res = await fetch(`${url}/v1/slow`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(messages.some((m) => m.includes('GET /v1/slow') && m.includes('timed out'))).toBe(true);
    } finally {
      await stop(s);
    }
  });

  it('answers 500 for a result over the limit as Lambda counts it (escaped body), and logs it', async () => {
    // 3,000 quotes: a body of 6 KB (each `\"`), under the limit, but 12 KB in Lambda's result (each `\\\"`); 1,000 fit.
    const { server: s, url } = await start({ resultLimitBytes: 10_000 });
    try {
      const fits = await fetch(`${url}/v1/fits`);
      expect(fits.status).toBe(200);
      expect(((await fits.json()) as { q: string }).q).toHaveLength(1000);
      const over = await fetch(`${url}/v1/over`);
      expect(over.status).toBe(500);
      expect(over.headers.get('content-type')).toBe('application/problem+json');
      expect(messages.some((m) => m.includes('GET /v1/over') && /over Lambda's 10000/.test(m))).toBe(true);
    } finally {
      await stop(s);
    }
  });
});
