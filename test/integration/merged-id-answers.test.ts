import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { documentedStatuses } from '../helpers/documented.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { useLocalEnv } from '../support/aws.ts';

/**
 * The id of a customer merged into another, on every route of `/v1/customers/{id}`, through the route table's
 * handlers against DynamoDB Local: reads answer `301` to the same route of the survivor (`Location`,
 * `mergedInto`), as `GET /v1/customers/{id}` does; writes answer `409` problem+json with `mergedInto`, as
 * `DELETE` does. An erased id stays `404`: a client tells a merge from an erasure.
 */
let key: string;

beforeAll(async () => {
  await useLocalEnv();
  key = await tenantWithSecretKey(`merged-ids-${Date.now().toString(36)}`);
});

async function mergedPair(tag: string) {
  const a = await call('POST', '/v1/customers', { key, body: { firstName: 'Anna', email: `a.${tag}@m.it` } });
  const b = await call('POST', '/v1/customers', { key, body: { firstName: 'Bea', email: `b.${tag}@m.it`, consent: { newsletter: 'granted' } } });
  expect([a.status, b.status]).toEqual([201, 201]);
  expect((await call('POST', `/v1/customers/${a.body.id}/merge`, { key, body: { otherId: b.body.id } })).status).toBe(200);
  return { survivor: a.body.id as string, merged: b.body.id as string };
}

describe('a merged-away id', () => {
  it('answers reads with 301 to the same route of the survivor, its query kept', async () => {
    const { survivor, merged } = await mergedPair('r');
    for (const [path, query] of [
      ['/history', '?limit=5'],
      ['/consents', ''],
      ['/export', ''],
      ['/duplicates', '?limit=3'],
      ['/recommendations', '?limit=2'],
    ] as const) {
      const res = await call('GET', `/v1/customers/${merged}${path}${query}`, { key });
      expect(res.status, path).toBe(301);
      expect(res.headers.location, path).toBe(`/v1/customers/${survivor}${path}${query}`);
      expect(res.body, path).toEqual({ mergedInto: survivor });
      expect(documentedStatuses('GET', `/v1/customers/${merged}${path}`), path).toContain(301);
      // Followed, the survivor answers.
      expect((await call('GET', res.headers.location!, { key })).status, path).toBe(200);
    }
  });

  it('answers writes with 409 problem+json naming the survivor, and changes nothing', async () => {
    const { survivor, merged } = await mergedPair('w');
    const before = (await call('GET', `/v1/customers/${survivor}`, { key })).body;
    for (const [method, path, body] of [
      ['PATCH', '', { city: 'Roma' }],
      ['POST', '/unsubscribe-link', {}],
    ] as const) {
      const res = await call(method, `/v1/customers/${merged}${path}`, { key, body });
      expect(res.status, `${method} ${path}`).toBe(409);
      expect(res.headers['content-type'], `${method} ${path}`).toContain('application/problem+json');
      expect(res.body, `${method} ${path}`).toMatchObject({ status: 409, mergedInto: survivor, detail: expect.stringContaining(survivor) });
    }
    expect((await call('GET', `/v1/customers/${survivor}`, { key })).body).toMatchObject({ city: before.city, version: before.version });
  });

  it('an erased id stays 404 on the same routes', async () => {
    const gone = (await call('POST', '/v1/customers', { key, body: { email: 'erased@m.it' } })).body.id;
    expect((await call('DELETE', `/v1/customers/${gone}`, { key })).status).toBe(204);
    for (const [method, path] of [
      ['GET', '/history'],
      ['GET', '/consents'],
      ['GET', '/export'],
      ['GET', '/duplicates'],
      ['GET', '/recommendations'],
      ['PATCH', ''],
      ['POST', '/unsubscribe-link'],
    ] as const) {
      expect((await call(method, `/v1/customers/${gone}${path}`, { key, body: method === 'GET' ? undefined : {} })).status, `${method} ${path}`).toBe(404);
    }
  });
});

describe('the survivor taking an email or phone of the customer merged into it', () => {
  it('is no conflict: the lookup already points at the survivor', async () => {
    const c = await call('POST', '/v1/customers', { key, body: { email: 'c@m.it', phone: '+39 340 222 0001' } });
    const d = await call('POST', '/v1/customers', { key, body: { email: 'd@m.it', phone: '+39 340 222 0002' } });
    expect((await call('POST', `/v1/customers/${c.body.id}/merge`, { key, body: { otherId: d.body.id } })).status).toBe(200);

    const email = await call('PATCH', `/v1/customers/${c.body.id}`, { key, body: { email: 'd@m.it' } });
    expect(email.status).toBe(200);
    expect(email.body.email).toBe('d@m.it');
    const phone = await call('PATCH', `/v1/customers/${c.body.id}`, { key, body: { phone: '+39 340 222 0002' } });
    expect(phone.status).toBe(200);
    expect(phone.body.phone).toBe('+393402220002');
    // Both still find the survivor, and another customer's email is still refused, naming that customer.
    const { stores } = await import('../../shared/http/stores.ts');
    const tenantId = (await call('GET', '/v1/settings', { key })).body.id;
    expect(await stores().customers.findIdByEmail(tenantId, 'd@m.it')).toBe(c.body.id);
    expect(await stores().customers.findIdByPhone(tenantId, '+393402220002')).toBe(c.body.id);
    const other = (await call('POST', '/v1/customers', { key, body: { email: 'e@m.it' } })).body.id;
    const taken = await call('PATCH', `/v1/customers/${c.body.id}`, { key, body: { email: 'e@m.it' } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ field: 'email', customerId: other });
  });
});
