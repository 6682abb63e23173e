import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

/**
 * What a web developer integrating from docs/api.md noticed (over DynamoDB Local): the card's embedded history
 * against /history, conditional requests on the card, and how a key without `Bearer ` is answered.
 */
let key: string;

beforeAll(async () => {
  await useTestEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, 'enoteca');
  key = (await issueKey(stores().tenants, 'enoteca', 'secret')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = (event: Record<string, unknown>) =>
  call('POST', '/v1/events', { key, body: { eventId: `dr-${uniq()}`, occurredAt: '2026-03-01T12:00:00Z', ...event } });

describe("the card's embedded history", () => {
  it('shows the same entries as /history, with the identity changes an event made', async () => {
    const email = `hist-${uniq()}@example.it`;
    const first = await send({ type: 'contact_form.submitted', customer: { email, phone: '+39 349 111 2233' }, data: { message: 'Ciao' } });
    const id = first.body.customerId as string;
    await send({ type: 'contact_form.submitted', occurredAt: '2026-03-02T12:00:00Z', customer: { email, phone: '+39 349 444 5566' }, data: { message: 'Nuovo numero' } });
    const timeline = (await call('GET', `/v1/customers/${id}/history`, { key })).body.items;
    expect(timeline.find((h: { changes?: unknown }) => h.changes).changes).toEqual([{ field: 'phone', from: '+393491112233', to: '+393494445566' }]);
    const card = await call('GET', `/v1/customers/${id}`, { key });
    expect(card.body.history).toEqual(timeline);
  });
});

describe('conditional requests on the card', () => {
  const create = async () => {
    const res = await call('POST', '/v1/customers', { key, body: { email: `etag-${uniq()}@example.it` } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('answers a 412 with the current ETag, and a PATCH retried with it goes through', async () => {
    const id = await create();
    const moved = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Roma' } });
    for (const stale of ['"1"', '"abc"']) {
      const refused = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Milano' }, headers: { 'if-match': stale } });
      expect(refused.status).toBe(412);
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(refused.headers.etag).toBe(moved.headers.etag);
    }
    const retried = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Milano' }, headers: { 'if-match': moved.headers.etag! } });
    expect(retried.status).toBe(200);
    expect(retried.body.city).toBe('Milano');
  });

  it('answers GET with If-None-Match naming the current ETag 304 without a body, and 200 with the card otherwise', async () => {
    const id = await create();
    const first = await call('GET', `/v1/customers/${id}`, { key });
    const current = first.headers.etag!;
    expect(current).toBe('"1"');
    for (const ifNoneMatch of [current, `W/${current}`, `"0", ${current}`, '*']) {
      const same = await call('GET', `/v1/customers/${id}`, { key, headers: { 'if-none-match': ifNoneMatch } });
      expect(same.status, ifNoneMatch).toBe(304);
      expect(same.body).toBeUndefined();
      expect(same.headers.etag).toBe(current);
    }
    await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Bari' } });
    const changed = await call('GET', `/v1/customers/${id}`, { key, headers: { 'if-none-match': current } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('"2"');
    expect(changed.body).toMatchObject({ id, city: 'Bari' });
    expect((await call('GET', `/v1/customers/${id}`, { key, headers: { 'if-none-match': 'garbage' } })).status).toBe(200);
  });
});

describe('a key sent without `Bearer `', () => {
  it('is a 401 saying Authorization must be `Bearer <key>`, naming the header', async () => {
    for (const authorization of [key, `Basic ${key}`, 'Bearer', `Bearer ${key} extra`]) {
      const res = await call('GET', '/v1/customers', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.detail).toContain('Authorization must be `Bearer <key>`');
      expect(res.body.errors).toEqual([{ path: 'Authorization', message: expect.stringContaining('Bearer <key>') }]);
    }
    // Without any key the answer stays the plain one; with `Bearer ` (any case) the key works.
    const none = await call('GET', '/v1/customers');
    expect(none.status).toBe(401);
    expect(none.body.detail).toMatch(/^An API key is required/);
    expect((await call('GET', '/v1/customers', { headers: { authorization: `bearer ${key}` } })).status).toBe(200);
  });
});
