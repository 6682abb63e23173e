import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

/**
 * A secret key added to a web page next to its `?key=pk_...` must not work: the preflight offers no key
 * header, and a request carrying both keys is refused naming `key` (report-rweb finding 1: the header key
 * used to win, and the page could read guests' notes and tags through the booking brief).
 */
const ORIGIN = 'https://www.osteria-cors.example';
let sk: string;
let eventsKey: string;
let pk: string;
let n = 0;

beforeAll(async () => {
  await useTestEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, 'osteria-cors');
  await changeTenant(stores().tenants, 'osteria-cors', (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, 'osteria-cors', 'secret')).key;
  eventsKey = (await issueKey(stores().tenants, 'osteria-cors', 'secret', 'events')).key;
  pk = (await issueKey(stores().tenants, 'osteria-cors', 'publishable')).key;
});

const booking = () => ({
  eventId: `sk-in-page-${Date.now()}-${n++}`,
  type: 'booking.created',
  occurredAt: new Date().toISOString(),
  customer: { email: 'guest.vip@example.it' },
  data: { bookingId: `b-${n}`, date: '2026-12-20' },
});

describe('a secret key from a web page', () => {
  it('is not offered by the preflight: a page may send content-type only', async () => {
    const res = await call('OPTIONS', `/v1/events?key=${pk}`, {
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    const allowed = res.headers['access-control-allow-headers']!.split(',').map((h) => h.trim().toLowerCase());
    expect(allowed).not.toContain('authorization');
    expect(allowed).not.toContain('x-api-key');
    expect(allowed).toContain('content-type');
  });

  it('is refused when it comes with ?key=pk_..., as Authorization or x-api-key, naming `key`, and records nothing', async () => {
    for (const key of [sk, eventsKey]) {
      for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }] as Record<string, string>[]) {
        const res = await call('POST', `/v1/events?key=${pk}`, { body: booking(), headers: { origin: ORIGIN, ...headers } });
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toBe('application/problem+json');
        expect(res.body.errors).toEqual([expect.objectContaining({ path: 'key' })]);
        expect(res.body.detail).toMatch(/one key/i);
        expect(res.body.detail).toMatch(/never belongs in a web page/);
        expect(res.body.brief).toBeUndefined();
      }
    }
    // Nothing was written for the probe: the guest does not exist.
    const list = await call('GET', '/v1/customers?q=guest.vip', { key: sk });
    expect(list.body.items).toEqual([]);
  });

  it('is refused with ?key= of any kind next to a header key, from a server too', async () => {
    const res = await call('POST', `/v1/events?key=${pk}`, { key: pk, body: booking() });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].path).toBe('key');
  });

  it('still works from a server (header only, no Origin) and from the same-origin console (header, its own Origin)', async () => {
    const server = await call('POST', '/v1/events', { key: eventsKey, body: booking() });
    expect(server.status).toBe(200);
    const console = await call('GET', '/v1/settings', { key: sk, headers: { origin: 'https://d111111abcdef8.cloudfront.net' } });
    expect(console.status).toBe(200);
    // And the page's own publishable key alone still works.
    const page = await call('POST', `/v1/events?key=${pk}`, {
      headers: { origin: ORIGIN },
      body: { ...booking(), type: 'contact_form.submitted', data: { message: 'Ciao' } },
    });
    expect(page.status).toBe(202);
  });
});
