import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../local/http-adapter.ts';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

/**
 * The HTTP edge of keyed routes (report-attack L2): the contract says "JSON in", so a body declared as a
 * form (what `curl -d` sends) or another non-JSON type is a 415 naming `content-type` (it was read as a form,
 * and the JSON text became a field name); only the link routes without a key take forms. `text/plain` and no
 * content type stay JSON: a web page's `fetch` with a string body sends text/plain, as websites always have.
 */
const ORIGIN = 'https://www.osteria-edge.example';
let skA: string;
let pk: string;
let server: Server;
let base: string;
let n = 0;

beforeAll(async () => {
  await useTestEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  setWorkflowStarter(async () => ({ executionArn: 'arn:local:edge-insights', startDate: new Date().toISOString() }), 'insights');
  await ensureTenant(stores().tenants, 'edge-a');
  await changeTenant(stores().tenants, 'edge-a', (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  skA = (await issueKey(stores().tenants, 'edge-a', 'secret')).key;
  pk = (await issueKey(stores().tenants, 'edge-a', 'publishable')).key;
  // The real local server, as curl meets it: a request without a content-type stays without one.
  server = createApiServer({ log: () => {} });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

/** A raw request: exactly these headers (Node adds no content-type), the body as given. */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  return new Promise((ok, fail) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        ok({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

const notJson = (res: { status: number; headers: Record<string, unknown>; body: any }) => { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  expect(res.status, JSON.stringify(res.body)).toBe(415);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body).toMatchObject({ type: 'about:blank', title: 'Unsupported media type', status: 415 });
  expect(res.body.detail).toContain('send JSON with content-type: application/json');
  expect(res.body.errors).toEqual([{ path: 'content-type', message: 'must be application/json' }]);
};

const event = () => ({ eventId: `edge-${n++}`, type: 'contact_form.submitted', occurredAt: '2026-03-02T10:00:00Z', customer: { email: `edge${n}@example.it` }, data: { message: 'ciao' } });

describe('a keyed route given a body that is not JSON', () => {
  it('answers 415 naming content-type to what curl -d sends (a form) and other declared non-JSON types, and creates nothing', async () => {
    const email = 'nct@example.it';
    const json = JSON.stringify({ email });
    const auth = { authorization: `Bearer ${skA}` };
    notJson(await send('POST', '/v1/customers', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, json));
    notJson(await send('POST', '/v1/customers', { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, json));
    notJson(await send('POST', '/v1/customers', { ...auth, 'content-type': 'application/octet-stream' }, json));
    notJson(await send('POST', '/v1/events', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, JSON.stringify(event())));
    const list = await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: skA });
    expect(list.body.items).toEqual([]);
  });

  it('no longer takes a real form on a keyed route: PATCH /v1/settings name=FormName changes nothing', async () => {
    notJson(await send('PATCH', '/v1/settings', { authorization: `Bearer ${skA}`, 'content-type': 'application/x-www-form-urlencoded' }, 'name=FormName'));
    expect((await call('GET', '/v1/settings', { key: skA })).body.name).not.toBe('FormName');
  });

  it('answers the 415 to an allowed website with its CORS headers, so the page can read why', async () => {
    const res = await call('POST', `/v1/events?key=${pk}`, { body: 'email=a%40b.it', headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' } });
    notJson(res);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('reads JSON sent as text/plain (a page\'s fetch with a string body, no preflight) or without a content-type', async () => {
    const auth = { authorization: `Bearer ${skA}` };
    const plain = await send('POST', '/v1/customers', { ...auth, 'content-type': 'text/plain;charset=UTF-8' }, JSON.stringify({ email: 'plain@example.it' }));
    expect(plain.status, JSON.stringify(plain.body)).toBe(201);
    const untyped = await send('POST', '/v1/customers', auth, JSON.stringify({ email: 'untyped@example.it' }));
    expect(untyped.status, JSON.stringify(untyped.body)).toBe(201);
    const page = await call('POST', `/v1/events?key=${pk}`, { body: JSON.stringify(event()), headers: { origin: ORIGIN, 'content-type': 'text/plain;charset=UTF-8' } });
    expect(page.status, JSON.stringify(page.body)).toBe(202);
    // Malformed text is still the 400 of malformed JSON.
    expect((await send('POST', '/v1/customers', { ...auth, 'content-type': 'text/plain' }, '{"email":')).status).toBe(400);
  });

  it('still takes JSON with a charset, and a POST that needs no body sent without one', async () => {
    const created = await send('POST', '/v1/customers', { authorization: `Bearer ${skA}`, 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ email: 'charset@example.it' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await send('POST', '/v1/tags', { authorization: `Bearer ${skA}`, 'content-type': 'Application/JSON' }, JSON.stringify({ name: 'Edge' }))).status).toBe(201);
    // curl -X POST with no -d: no body, no content-type.
    const recompute = await send('POST', '/v1/insights/recompute', { authorization: `Bearer ${skA}` });
    expect(recompute.status, JSON.stringify(recompute.body)).toBe(202);
  });

  it('leaves the link routes without a key reading forms (RFC 8058 one-click, the pages’ buttons)', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // A token that is not one: the answer is the page about the link (a form post is a browser's), so the
    // form was read, not refused.
    for (const path of ['/v1/unsubscribe', '/v1/consent/confirm']) {
      const res = await call('POST', path, { body: 'token=not-a-token', headers: form });
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body).toContain('This link is not valid');
    }
  });
});
