import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

/* report-attack L4: PATCH /v1/customers/{id} compares If-Match as RFC 9110 says, through the real handler. */

let key: string;

beforeAll(async () => {
  await useTestEnv();
  const { dynamoTenantStore } = await import('../../shared/store/tenant.store.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { dynamo } = await import('../../shared/clients.ts');
  const store = dynamoTenantStore(dynamo(), process.env.TABLE_NAME!);
  await ensureTenant(store, 'locanda');
  key = (await issueKey(store, 'locanda', 'secret')).key;
});

let n = 0;
const newCustomer = async (fields: Record<string, unknown> = {}) => {
  const res = await call('POST', '/v1/customers', { key, body: { email: `im${++n}@example.it`, ...fields } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
};

describe('If-Match (L4)', () => {
  it('passes when any tag of a list is the current one', async () => {
    const { id } = await newCustomer();
    await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Roma' } });
    const res = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Milano' }, headers: { 'if-match': '"1", "2"' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.etag).toBe('"3"');
    const stale = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Napoli' }, headers: { 'if-match': '"1", "2"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.detail).toBe('The customer changed since versions 1, 2 (now 3); read it again');
  });

  it('never matches a weak tag (strong comparison): 412, the card unchanged', async () => {
    const { id } = await newCustomer({ city: 'Roma' });
    const res = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Milano' }, headers: { 'if-match': 'W/"1"' } });
    expect(res.status).toBe(412);
    expect(res.headers.etag).toBe('"1"');
    expect((await call('GET', `/v1/customers/${id}`, { key })).body.city).toBe('Roma');
  });

  it('answers a huge version as naming no version, not as 1e+23', async () => {
    const { id } = await newCustomer();
    const res = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Milano' }, headers: { 'if-match': '"99999999999999999999999"' } });
    expect(res.status).toBe(412);
    expect(res.body.detail).toBe('If-Match names no version of this customer (its ETag is "1"); read it again');
  });
});
