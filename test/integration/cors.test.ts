import { beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createApiServer } from '../../local/http-adapter.ts';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

/** Browser capture: the CORS preflight of POST /v1/events and the headers of the POST itself, per tenant. */
const ORIGIN = 'https://www.trattoria.example';
const OTHER_TENANT_ORIGIN = 'https://www.bottega.example';
let sk: string;
let pk: string;

beforeAll(async () => {
  await useTestEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  for (const [tenant, origin] of [['trattoria', ORIGIN], ['bottega', OTHER_TENANT_ORIGIN]] as const) {
    await ensureTenant(stores().tenants, tenant);
    await changeTenant(stores().tenants, tenant, (t) => ({ ...t, allowedOrigins: [origin] }));
  }
  sk = (await issueKey(stores().tenants, 'trattoria', 'secret')).key;
  pk = (await issueKey(stores().tenants, 'trattoria', 'publishable')).key;
});

const preflight = (origin: string | undefined, key: string | undefined, method = 'POST') =>
  call('OPTIONS', `/v1/events${key ? `?key=${key}` : ''}`, {
    headers: { ...(origin ? { origin } : {}), 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
  });

let n = 0;
const event = () => ({ eventId: `cors-${Date.now()}-${n++}`, type: 'contact_form.submitted', occurredAt: new Date().toISOString(), customer: { email: `cors${n}@example.com` }, data: { message: 'Hi' } });

describe('OPTIONS /v1/events (CORS preflight)', () => {
  it('answers 204 with the allow headers for an origin the key’s tenant allows', async () => {
    const res = await preflight(ORIGIN, pk);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    // Only content-type: a page's key goes in the URL; a secret key never belongs in a page (cors-secret-key.test.ts).
    expect(res.headers['access-control-allow-headers']).toBe('content-type');
    expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(res.headers.vary).toBe('Origin');
  });

  it('gives a foreign origin no CORS headers, even one another tenant allows', async () => {
    for (const origin of ['https://evil.example', OTHER_TENANT_ORIGIN]) {
      const res = await preflight(origin, pk);
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('tells a stranger holding the pk_ nothing about which origins the shop allows: every foreign origin gets the same answer, naming neither it nor the setting', async () => {
    const answers = [];
    for (const origin of ['https://staging.trattoria.example', 'https://evil.example', OTHER_TENANT_ORIGIN]) {
      const res = await preflight(origin, pk);
      expect(res.status).toBe(403);
      expect(res.body.detail).not.toContain(origin);
      expect(JSON.stringify(res.body)).not.toMatch(/allowedOrigins|settings/i);
      answers.push(res.body.detail);
    }
    expect(new Set(answers).size).toBe(1);
  });

  // A preflight without ?key= (the page sends its key in a header, the contract's way) is answered for any
  // origin; the POST then decides per key (cors-key-header.test.ts).
  it('refuses a preflight with a secret key, with a revoked-looking key or for another method', async () => {
    for (const res of [await preflight(ORIGIN, sk), await preflight(ORIGIN, 'pk_notarealkeynotarealkey00'), await preflight(ORIGIN, pk, 'DELETE')]) {
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('POST /v1/events from a browser', () => {
  it('accepts the publishable key as ?key= from an allowed origin and answers with CORS headers', async () => {
    const res = await call('POST', `/v1/events?key=${pk}`, { body: event(), headers: { origin: ORIGIN } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: true });
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('refuses a publishable key from a foreign origin with 403 and no CORS headers', async () => {
    for (const res of [
      await call('POST', `/v1/events?key=${pk}`, { body: event(), headers: { origin: 'https://evil.example' } }),
      await call('POST', '/v1/events', { key: pk, body: event(), headers: { origin: OTHER_TENANT_ORIGIN } }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('lets an allowed website read its errors: a 400 carries the CORS headers too', async () => {
    const res = await call('POST', `/v1/events?key=${pk}`, { body: { ...event(), customer: {} }, headers: { origin: ORIGIN } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('never takes a secret key from the URL', async () => {
    const res = await call('POST', `/v1/events?key=${sk}`, { body: event() });
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/publishable/);
    // The same secret key in the header works.
    expect((await call('POST', '/v1/events', { key: sk, body: event() })).status).toBe(200);
  });
});

describe('errors raised before the handler runs still reach an allowed website', () => {
  const malformed = '{"eventId":';
  const huge = () => JSON.stringify({ ...event(), data: { message: 'x'.repeat(1_100_000) } });

  it('carries the CORS headers on a malformed body (400), a body over 1 MB (413) and a scope refusal (403)', async () => {
    const answers = [
      [400, await call('POST', `/v1/events?key=${pk}`, { body: malformed, headers: { origin: ORIGIN, 'content-type': 'application/json' } })],
      [413, await call('POST', `/v1/events?key=${pk}`, { body: huge(), headers: { origin: ORIGIN, 'content-type': 'application/json' } })],
      [400, await call('POST', '/v1/customers', { key: sk, body: malformed, headers: { origin: ORIGIN } })],
      // A publishable key on an admin route: the key (so the tenant and its origins) is known, the route is not its.
      [403, await call('GET', '/v1/customers', { key: pk, headers: { origin: ORIGIN } })],
    ] as const;
    for (const [status, res] of answers) {
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers.vary).toBe('Origin');
    }
    expect(answers[0][1].body.errors).toEqual([{ path: '(body)', message: 'is not valid JSON' }]);
  });

  it('gives an unknown origin none of them, and an unknown key none either', async () => {
    for (const res of [
      await call('POST', '/v1/events', { key: sk, body: malformed, headers: { origin: 'https://evil.example' } }),
      await call('POST', '/v1/events', { key: sk, body: huge(), headers: { origin: OTHER_TENANT_ORIGIN } }),
      await call('POST', `/v1/events?key=pk_notarealkeynotarealkey00`, { body: malformed, headers: { origin: ORIGIN } }),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('does the same through the local runtime (npm start)', async () => {
    const server = createApiServer({ log: () => {} });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const post = (origin: string, body: string) =>
        fetch(`${base}/v1/events?key=${pk}`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body });
      for (const [body, status] of [[malformed, 400], [huge(), 413]] as const) {
        const allowed = await post(ORIGIN, body);
        expect(allowed.status).toBe(status);
        expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
        const foreign = await post('https://evil.example', body);
        expect(foreign.status).toBe(403);
        expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      }
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });
});
