import { beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { useLocalEnv } from '../support/aws.ts';
import { LAMBDA_TIMEOUT_MS } from '../support/timeouts.ts';
import { lambdaContext } from '../../local/lambda.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Consent ledger, access export, unsubscribe links and the audit log, through the real handlers against
 * DynamoDB Local.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let skId: string;
let pk: string;
let otherSk: string;
const TENANT = 'privacy-shop';
const OTHER = 'privacy-other';
const ORIGIN = 'https://www.shop.example';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  await ensureTenant(stores().tenants, OTHER);
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  const issued = await issueKey(stores().tenants, TENANT, 'secret');
  sk = issued.key;
  skId = issued.keyId;
  pk = (await issueKey(stores().tenants, TENANT, 'publishable')).key;
  otherSk = (await issueKey(stores().tenants, OTHER, 'secret')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
// The page's Origin only with the publishable key: a secret key from another site's page is a 401.
const send = (event: Record<string, unknown>, key = sk) =>
  call('POST', '/v1/events', { key, body: { eventId: `ev-${uniq()}`, occurredAt: new Date(Date.now() - 60_000).toISOString(), ...event }, headers: { ...(key.startsWith('pk_') ? { origin: ORIGIN } : {}), host: 'api.test' } });
const newCustomer = async (body: Record<string, unknown> = {}) => (await call('POST', '/v1/customers', { key: sk, body: { email: `p.${uniq()}@example.com`, ...body } })).body;

/** Calls a public handler directly: its answer may be HTML, which the JSON helper would not parse. */
async function raw(entry: string, method: string, query: Record<string, string>, body?: string, headers: Record<string, string> = {}) {
  const { handler } = (await import(`../../functions/privacy/${entry}.handler.ts`)) as { handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2> };
  const event = {
    version: '2.0',
    rawPath: '/v1/unsubscribe',
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: query,
    body,
    isBase64Encoded: false,
    requestContext: { http: { method, path: '/v1/unsubscribe', sourceIp: '127.0.0.1' } },
  } as unknown as APIGatewayProxyEventV2;
  return handler(event, lambdaContext(`clientela-${entry}`, LAMBDA_TIMEOUT_MS));
}

describe('GET /v1/customers/{id}/consents', () => {
  it('lists every consent change newest first with its source, paginated; the card shows the latest', async () => {
    const c = await newCustomer({ consent: { newsletter: 'granted', wording: 'Yes, send me news (v3)' } });
    await call('PATCH', `/v1/customers/${c.id}`, { key: sk, body: { consent: { newsletter: 'denied' } } });
    const eventId = `ev-${uniq()}`;
    await call('POST', '/v1/events', { key: pk, body: { eventId, type: 'newsletter.subscribed', occurredAt: new Date().toISOString(), customer: { email: c.email }, data: {} }, headers: { origin: ORIGIN, host: 'api.test' } });

    const all = await call('GET', `/v1/customers/${c.id}/consents`, { key: sk });
    expect(all.status).toBe(200);
    expect(all.body.items.map((e: { status: string }) => e.status)).toEqual(['pending', 'denied', 'granted']);
    expect(all.body.items[0]).toMatchObject({ channel: 'newsletter', source: { type: 'newsletter.subscribed', eventId, keyId: expect.any(String), origin: ORIGIN } });
    expect(all.body.items[1]).toMatchObject({ source: { type: 'api', keyId: skId } });
    expect(all.body.items[2]).toMatchObject({ wording: 'Yes, send me news (v3)', source: { type: 'api', keyId: skId } });
    expect(all.body.items[0].pk).toBeUndefined();
    // A sign-up through the public key is recorded, but the person's "no" stands until they confirm by mail.
    const card = await call('GET', `/v1/customers/${c.id}`, { key: sk });
    expect(card.body.consent.newsletter).toBe('denied');

    const first = await call('GET', `/v1/customers/${c.id}/consents?limit=2`, { key: sk });
    expect(first.body.items).toHaveLength(2);
    const second = await call('GET', `/v1/customers/${c.id}/consents?limit=2&cursor=${first.body.nextCursor}`, { key: sk });
    expect(second.body.items.map((e: { id: string }) => e.id)).toEqual([all.body.items[2].id]);
    expect(second.body.nextCursor ?? null).toBeNull();
  });

  it('answers 404 for an unknown id and for another tenant’s customer, 400 for a bad cursor', async () => {
    const c = await newCustomer({ consent: { newsletter: 'granted' } });
    expect((await call('GET', '/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/consents', { key: sk })).status).toBe(404);
    const foreign = await call('GET', `/v1/customers/${c.id}/consents`, { key: otherSk });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain(c.email);
    const bad = await call('GET', `/v1/customers/${c.id}/consents?cursor=nonsense`, { key: sk });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('cursor');
  });
});

describe('GET /v1/customers/{id}/export', () => {
  it('returns the card, custom attributes, full history, consent ledger, bookings and orders', async () => {
    const email = `x.${uniq()}@example.com`;
    const booked = await send({ type: 'booking.created', customer: { email, firstName: 'Xena' }, data: { bookingId: 'b-1', date: '2026-03-10', time: '20:00', partySize: 4 } });
    const id = booked.body.customerId as string;
    await send({ type: 'order.completed', customer: { email }, data: { orderId: 'o-1', currency: 'EUR', total: 1800, items: [{ sku: 's', name: 'Soup', quantity: 2, unitPrice: 900 }] } });
    await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { attributes: { allergy: 'nuts' }, consent: { newsletter: 'granted' } } });
    for (let i = 0; i < 12; i++) await send({ type: 'message.received', customer: { email }, data: { text: `msg ${i}`, channel: 'whatsapp' } });

    const res = await call('GET', `/v1/customers/${id}/export`, { key: sk });
    expect(res.status).toBe(200);
    expect(res.body.customer).toMatchObject({ id, email, firstName: 'Xena', attributes: { allergy: 'nuts' }, consent: { newsletter: 'granted' } });
    expect(res.body.customAttributes).toEqual({ allergy: 'nuts' });
    expect(res.body.history).toHaveLength(14); // more than the card's 10 newest
    expect(res.body.history.map((h: { type: string }) => h.type)).toContain('booking.created');
    expect(res.body.consents).toHaveLength(1);
    expect(res.body.bookings).toEqual([expect.objectContaining({ bookingId: 'b-1' })]);
    expect(res.body.orders).toEqual([expect.objectContaining({ orderId: 'o-1', total: 1800 })]);
    expect(res.headers['content-disposition']).toContain('attachment');
    expect((await call('GET', `/v1/customers/${id}/export`, { key: otherSk })).status).toBe(404);
  });
});

describe('unsubscribe links', () => {
  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

  it('GET shows a page with a button and changes nothing; its POST withdraws consent with source link; again changes nothing', async () => {
    const c = await newCustomer({ consent: { newsletter: 'granted' } });
    const link = await call('POST', `/v1/customers/${c.id}/unsubscribe-link`, { key: sk, headers: { host: 'api.test', 'x-forwarded-proto': 'https' } });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(/^https:\/\/api\.test\/v1\/unsubscribe\?token=[A-Za-z0-9_.-]+$/);
    expect(Date.parse(link.body.expiresAt)).toBeGreaterThan(Date.now() + 30 * 86_400_000);

    const page = await raw('unsubscribe', 'GET', { token: tokenOf(link.body.url) });
    expect(page.statusCode).toBe(200);
    expect(page.headers!['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toMatch(/<form method="post"/);
    expect((await call('GET', `/v1/customers/${c.id}`, { key: sk })).body.consent.newsletter).toBe('granted');
    // The button: the page's form posts the token back.
    const pressed = await raw('unsubscribe-one-click', 'POST', { token: tokenOf(link.body.url) }, `token=${tokenOf(link.body.url)}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(pressed.statusCode).toBe(200);
    expect(pressed.headers!['content-type']).toBe('text/html; charset=utf-8');
    expect(pressed.body).toContain('unsubscribed');
    const card = await call('GET', `/v1/customers/${c.id}`, { key: sk });
    expect(card.body.consent).toMatchObject({ newsletter: 'denied', source: 'link' });
    const ledger = await call('GET', `/v1/customers/${c.id}/consents`, { key: sk });
    expect(ledger.body.items[0]).toMatchObject({ status: 'denied', source: { type: 'link' } });

    expect((await raw('unsubscribe-one-click', 'POST', { token: tokenOf(link.body.url) }, `token=${tokenOf(link.body.url)}`, { 'content-type': 'application/x-www-form-urlencoded' })).statusCode).toBe(200);
    expect((await call('GET', `/v1/customers/${c.id}/consents`, { key: sk })).body.items).toHaveLength(2);
  });

  it('POST one-click (RFC 8058, form body) does the same', async () => {
    const c = await newCustomer({ consent: { newsletter: 'granted' } });
    const link = await call('POST', `/v1/customers/${c.id}/unsubscribe-link`, { key: sk, body: { expiresInDays: 7 } });
    const res = await raw('unsubscribe-one-click', 'POST', { token: tokenOf(link.body.url) }, 'List-Unsubscribe=One-Click', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(200);
    expect((await call('GET', `/v1/customers/${c.id}`, { key: sk })).body.consent).toMatchObject({ newsletter: 'denied', source: 'link' });
  });

  it('refuses forged, altered, expired and foreign tokens with 4xx (a page to a browser, problem+json to a program), changing nothing', async () => {
    const { privacyStores } = await import('../../shared/http/stores.ts');
    const { signUnsubscribeToken } = await import('../../shared/privacy/unsubscribe.ts');
    const { signConsentToken } = await import('../../shared/events/consent-token.ts');
    const { eventStores } = await import('../../shared/http/stores.ts');
    const c = await newCustomer({ consent: { newsletter: 'granted' } });
    const victim = await newCustomer({ consent: { newsletter: 'granted' } });
    const token = tokenOf((await call('POST', `/v1/customers/${c.id}/unsubscribe-link`, { key: sk })).body.url);
    const [payload, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const reencode = (p: object) => Buffer.from(JSON.stringify(p)).toString('base64url');
    const secret = await privacyStores().privacy.privacySecret(TENANT);
    const otherSecret = await privacyStores().privacy.privacySecret(OTHER);
    const now = Math.floor(Date.now() / 1000);

    const bad = {
      'no token': undefined,
      garbage: 'not-a-token',
      'a flipped signature': `${payload}.${mac!.slice(0, -2)}${mac!.endsWith('AA') ? 'BB' : 'AA'}`,
      'another customer in the payload': `${reencode({ ...claims, c: victim.id })}.${mac}`,
      'a later expiry in the payload': `${reencode({ ...claims, exp: claims.exp + 86_400 })}.${mac}`,
      expired: signUnsubscribeToken(secret, { tenantId: TENANT, customerId: c.id, exp: now - 60 }),
      "signed with another tenant's secret": signUnsubscribeToken(otherSecret, { tenantId: TENANT, customerId: c.id, exp: now + 3600 }),
      'a double opt-in token': signConsentToken({ t: TENANT, c: c.id, exp: now + 3600 }, await eventStores().events.consentSecret(TENANT)),
    };
    for (const [what, t] of Object.entries(bad)) {
      for (const [entry, method] of [['unsubscribe', 'GET'], ['unsubscribe-one-click', 'POST']] as const) {
        const res = await raw(entry, method, t === undefined ? {} : { token: t });
        expect(res.statusCode, `${method} with ${what}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${method} with ${what}`).toBeLessThan(500);
        expect(res.headers!['content-type']).toBe(method === 'GET' ? 'text/html; charset=utf-8' : 'application/problem+json');
      }
    }
    const expired = await raw('unsubscribe-one-click', 'POST', { token: bad.expired });
    expect(JSON.parse(expired.body!).detail).toContain('expired');
    expect((await raw('unsubscribe', 'GET', { token: bad.expired })).body).toMatch(/expired/i);
    for (const id of [c.id, victim.id]) expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.consent.newsletter).toBe('granted');
    // A tenant cannot mint a link for another tenant's customer.
    expect((await call('POST', `/v1/customers/${c.id}/unsubscribe-link`, { key: otherSk })).status).toBe(404);
  });
});

describe('GET /v1/audit', () => {
  it('records admin actions with the acting key id and no personal data, newest first, paginated', async () => {
    const c = await newCustomer({ firstName: 'Audrey', phone: '+393471234599' });
    await call('GET', `/v1/customers/${c.id}/export`, { key: sk });
    await call('DELETE', `/v1/customers/${c.id}`, { key: sk });
    const res = await call('GET', '/v1/audit?limit=2', { key: sk });
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { action: string }) => e.action)).toEqual(['customer.erase', 'customer.export_data']);
    expect(res.body.items[0]).toMatchObject({ actor: skId, target: 'customer', at: expect.any(String) });
    const text = JSON.stringify(res.body);
    for (const personal of [c.id, c.email, 'Audrey', '+393471234599']) expect(text).not.toContain(personal);
    expect(res.body.nextCursor).toBeTruthy();
    const next = await call('GET', `/v1/audit?limit=2&cursor=${res.body.nextCursor}`, { key: sk });
    expect(next.status).toBe(200);
    expect(next.body.items.every((e: { at: string }) => e.at <= res.body.items[1].at)).toBe(true);
    expect(next.body.items[0]).toMatchObject({ action: 'customer.create', target: 'customer', actor: skId });
    // Another tenant sees none of it.
    expect((await call('GET', '/v1/audit', { key: otherSk })).body.items).toEqual([]);
  });

  it('records key changes and imports with their ids as targets', async () => {
    const key = await call('POST', '/v1/keys', { key: sk, body: { kind: 'publishable' } });
    await call('DELETE', `/v1/keys/${key.body.keyId}`, { key: sk });
    const imp = await call('POST', '/v1/imports', { key: sk, body: {} });
    const res = await call('GET', '/v1/audit?limit=3', { key: sk });
    expect(res.body.items).toEqual([
      expect.objectContaining({ action: 'import.create', target: imp.body.importId, actor: skId }),
      expect.objectContaining({ action: 'key.revoke', target: key.body.keyId, actor: skId }),
      expect.objectContaining({ action: 'key.create', target: key.body.keyId, actor: skId }),
    ]);
  });
});
