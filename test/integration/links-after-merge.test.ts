import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { publishableKey, tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Links mailed to a person (unsubscribe, double opt-in) name the customer they were made for. When the
 * business merges that customer into another, the link must still work: it acts on the survivor's card
 * (the person), instead of answering 404 while the survivor keeps the old consent.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const T = 'links-after-merge';
const ORIGIN = 'https://www.trattoria.example';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(T, { allowedOrigins: [ORIGIN] });
  pk = await publishableKey(T);
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const newCustomer = async (body: Record<string, unknown> = {}) => {
  const res = await call('POST', '/v1/customers', { key: sk, body: { email: `p.${uniq()}@example.com`, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};
const consentOf = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body.consent as { newsletter: string; source?: string };
const merge = async (a: string, b: string) => expect((await call('POST', `/v1/customers/${a}/merge`, { key: sk, body: { otherId: b } })).status).toBe(200);
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
async function unsubscribeToken(id: string) {
  const link = await call('POST', `/v1/customers/${id}/unsubscribe-link`, { key: sk, body: {} });
  expect(link.status).toBe(200);
  return tokenOf(link.body.url as string);
}

describe('unsubscribe link of a customer merged into another', () => {
  it('POST (JSON) withdraws the survivor’s newsletter consent', async () => {
    const a = await newCustomer();
    const b = await newCustomer({ consent: { newsletter: 'granted' } });
    const token = await unsubscribeToken(b);
    await merge(a, b);
    expect((await consentOf(a)).newsletter).toBe('granted');

    const res = await call('POST', `/v1/unsubscribe?token=${token}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ unsubscribed: true });
    expect(await consentOf(a)).toMatchObject({ newsletter: 'denied', source: 'link' });
    const ledger = await call('GET', `/v1/customers/${a}/consents`, { key: sk });
    expect(ledger.body.items[0]).toMatchObject({ status: 'denied', source: { type: 'link' } });
  });

  it('RFC 8058 one-click POST does the same, also through a chain of merges', async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const c = await newCustomer({ consent: { newsletter: 'granted' } });
    const token = await unsubscribeToken(c);
    await merge(b, c);
    await merge(a, b);
    expect((await consentOf(a)).newsletter).toBe('granted');

    const res = await call('POST', `/v1/unsubscribe?token=${token}`, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await consentOf(a)).toMatchObject({ newsletter: 'denied', source: 'link' });
  });

  it('an erased customer’s link still answers 404 (nobody to act on)', async () => {
    const b = await newCustomer({ consent: { newsletter: 'granted' } });
    const token = await unsubscribeToken(b);
    expect((await call('DELETE', `/v1/customers/${b}`, { key: sk })).status).toBe(204);
    expect((await call('POST', `/v1/unsubscribe?token=${token}`)).status).toBe(404);
  });
});

describe('double opt-in link of a customer merged into another', () => {
  it('POST /v1/consent/confirm grants the survivor’s newsletter consent (double-opt-in)', async () => {
    const { tenantSecrets } = await import('../../shared/http/stores/secrets.ts');
    const { signConsentToken } = await import('../../shared/events/consent-token.ts');
    const a = await newCustomer();
    const email = `p.${uniq()}@example.com`;
    const b = await newCustomer({ email });
    // The person signs up on the website: the link is mailed for that `pending` request (r), which moves to a with the merge.
    const signUp = { eventId: `nl-${uniq()}`, type: 'newsletter.subscribed', occurredAt: new Date().toISOString(), customer: { email }, data: {} };
    expect((await call('POST', '/v1/events', { key: pk, body: signUp, headers: { origin: ORIGIN } })).status).toBe(202);
    const request = (await call('GET', `/v1/customers/${b}/consents`, { key: sk })).body.items[0];
    expect(request).toMatchObject({ status: 'pending' });
    const token = signConsentToken({ t: T, c: b, exp: Math.floor(Date.now() / 1000) + 86_400, r: request.id }, await tenantSecrets().getOrCreate(T, 'consent'));
    await merge(a, b);
    expect((await consentOf(a)).newsletter).not.toBe('granted');

    const res = await call('POST', `/v1/consent/confirm?token=${token}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ confirmed: true });
    expect(await consentOf(a)).toMatchObject({ newsletter: 'granted', source: 'double-opt-in' });
    // The page's GET (opened by mail scanners) changes nothing and does not fail either.
    expect((await call('GET', `/v1/consent/confirm?token=${token}`)).status).toBe(200);
  });
});
