import { beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../shared/store/keys.ts';
import { call, type Reply } from '../helpers/invoke.ts';
import { useTestEnv, type LocalEnv } from '../support/aws.ts';

/*
 * report-attack L1, L5 through the real handlers: fields that are alike are checked alike (If-Match, L4:
 * if-match.test.ts).
 */

let key: string;
let env: LocalEnv;
const RLO = '\u202E';
const BIDI = 'must not hold a bidi control (U+202A–U+202E, U+2066–U+2069)';
const COUNTRY = 'must be an ISO 3166-1 alpha-2 country code, e.g. IT';

beforeAll(async () => {
  env = await useTestEnv();
  const { dynamoTenantStore } = await import('../../shared/store/tenant.store.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { dynamo } = await import('../../shared/clients.ts');
  const store = dynamoTenantStore(dynamo(), process.env.TABLE_NAME!);
  await ensureTenant(store, 'osteria');
  key = (await issueKey(store, 'osteria', 'secret')).key;
});

/** A 400 problem+json whose errors are exactly `errors`. */
function refused(res: Reply, errors: unknown) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body.errors).toEqual(errors);
}

let n = 0;
const newCustomer = async (fields: Record<string, unknown> = {}) => {
  const res = await call('POST', '/v1/customers', { key, body: { email: `ic${++n}@example.it`, ...fields } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
};

describe('bidi controls in labels (L1)', () => {
  it('POST /v1/tags refuses a tag name with one, naming it; the catalogue stays without it', async () => {
    refused(await call('POST', '/v1/tags', { key, body: { name: `${RLO}GIV` } }), [{ path: 'name', message: BIDI }]);
    const tags = await call('GET', '/v1/tags', { key });
    expect(JSON.stringify(tags.body)).not.toContain(RLO);
  });

  it('POST and PUT /v1/segments refuse a segment name with one', async () => {
    const message = 'must not hold a control character or a bidi control (U+202A–U+202E, U+2066–U+2069)';
    refused(await call('POST', '/v1/segments', { key, body: { name: `${RLO}GIV`, filter: {} } }), [{ path: 'name', message }]);
    const ok = await call('POST', '/v1/segments', { key, body: { name: 'Tutti', filter: {} } });
    expect(ok.status).toBe(201);
    refused(await call('PUT', `/v1/segments/${ok.body.id}`, { key, body: { name: `Tutti\u2067`, filter: {} } }), [{ path: 'name', message }]);
  });

  it("PATCH /v1/customers refuses an attribute name with one; the value and the notes keep theirs, the city loses it", async () => {
    const { id } = await newCustomer();
    refused(await call('PATCH', `/v1/customers/${id}`, { key, body: { attributes: { [`${RLO}k`]: 'v' } } }), [{ path: `attributes.${RLO}k`, message: `an attribute name ${BIDI}` }]);
    const res = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: `${RLO}GIV`, notes: `${RLO}GIV`, attributes: { k: `${RLO}GIV` } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ city: 'GIV', notes: `${RLO}GIV`, attributes: { k: `${RLO}GIV` } });
  });
});

describe('countries (L5)', () => {
  it('POST and PATCH /v1/customers refuse ZZ and XX naming country, as PATCH /v1/settings refuses defaultCountry ZZ', async () => {
    refused(await call('POST', '/v1/customers', { key, body: { email: 'zz@example.it', country: 'ZZ' } }), [{ path: 'country', message: COUNTRY }]);
    const { id } = await newCustomer({ country: 'it' });
    refused(await call('PATCH', `/v1/customers/${id}`, { key, body: { country: 'zz' } }), [{ path: 'country', message: COUNTRY }]);
    refused(await call('PATCH', `/v1/customers/${id}`, { key, body: { country: 'XX' } }), [{ path: 'country', message: COUNTRY }]);
    const card = await call('GET', `/v1/customers/${id}`, { key });
    expect(card.body.country).toBe('IT');
    refused(await call('PATCH', '/v1/settings', { key, body: { defaultCountry: 'ZZ' } }), [{ path: 'defaultCountry', message: COUNTRY }]);
  });

  it("POST /v1/events refuses a customer.country that is no country, naming it", async () => {
    const event = { eventId: `ic-${Date.now()}`, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer: { email: 'ev-zz@example.it', country: 'ZZ' }, data: { message: 'Ciao' } };
    refused(await call('POST', '/v1/events', { key, body: event }), [{ path: 'customer.country', message: COUNTRY }]);
    const fine = await call('POST', '/v1/events', { key, body: { ...event, customer: { email: 'ev-zz@example.it', country: 'fr' } } });
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);
    expect((await call('GET', `/v1/customers/${fine.body.customerId}`, { key })).body.country).toBe('FR');
  });

  it('GET /v1/customers?country=ZZ finds the cards given ZZ before countries were checked (1 Dec 2026), as a segment does; Italy is a 400', async () => {
    const { id } = await newCustomer({ country: 'IT' });
    // As POST /v1/customers stored it before: any two letters.
    await env.db.send(new UpdateCommand({ TableName: env.tableName, Key: keys.customerCard('osteria', id), UpdateExpression: 'SET country = :c', ExpressionAttributeValues: { ':c': 'ZZ' } }));
    const listed = await call('GET', '/v1/customers?country=zz', { key });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items.map((c: { id: string; country: string }) => [c.id, c.country])).toEqual([[id, 'ZZ']]);
    const segment = await call('POST', '/v1/segments', { key, body: { name: 'ZZ', filter: { country: ['ZZ'] } } });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    expect((await call('GET', `/v1/segments/${segment.body.id}/customers`, { key })).body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    // No card holds more or fewer than two letters.
    const twoLetters = 'must be a two-letter country code (ISO 3166-1 alpha-2), e.g. IT';
    refused(await call('GET', '/v1/customers?country=IT,Italy', { key }), [{ path: 'country.1', message: twoLetters }]);
    refused(await call('POST', '/v1/segments', { key, body: { name: 'I', filter: { country: 'I' } } }), [{ path: 'filter.country', message: twoLetters }]);
    expect((await call('GET', '/v1/customers?country=it', { key })).status).toBe(200);
  });
});

describe('settings, keys, keywords and repeated parameters (L5)', () => {
  it('PATCH /v1/settings refuses an allowed origin with a wildcard, naming the entry', async () => {
    const res = await call('PATCH', '/v1/settings', { key, body: { allowedOrigins: ['https://www.osteria.example', 'https://*.osteria.example'] } });
    refused(res, [{ path: 'allowedOrigins.1', message: expect.stringContaining('a wildcard (*) matches nothing') }]);
    expect((await call('GET', '/v1/settings', { key })).body.allowedOrigins).toEqual([]);
  });

  it('GET /v1/insights/keywords reads language as the customer list does: xx is a 400', async () => {
    const message = 'is not a language clientela knows: give a code or a name, e.g. it, en-GB or Italiano';
    refused(await call('GET', '/v1/insights/keywords?language=xx', { key }), [{ path: 'language', message }]);
    refused(await call('GET', '/v1/customers?language=xx', { key }), [{ path: 'language.0', message }]);
    const named = await call('GET', '/v1/insights/keywords?language=Italiano', { key });
    expect(named.status).toBe(200);
    expect(named.body.language).toBe('it');
  });

  it('GET /v1/settings, GET /v1/keys, GET /v1/imports/{id} and GET /v1/insights/recompute/{id} refuse unknown query parameters, naming them', async () => {
    refused(await call('GET', '/v1/settings?limit=5', { key }), [{ path: 'limit', message: 'unknown field: limit' }]);
    refused(await call('GET', '/v1/keys?limit=1', { key }), [{ path: 'limit', message: 'unknown field: limit' }]);
    refused(await call('GET', '/v1/imports/01ARZ3NDEKTSV4RRFFQ69G5FAV?foo=1', { key }), [{ path: 'foo', message: 'unknown field: foo' }]);
    refused(await call('GET', '/v1/insights/recompute/01ARZ3NDEKTSV4RRFFQ69G5FAV?foo=1', { key }), [{ path: 'foo', message: 'unknown field: foo' }]);
    expect((await call('GET', '/v1/settings', { key })).status).toBe(200);
    expect((await call('GET', '/v1/keys', { key })).status).toBe(200);
  });

  it('a parameter that takes one value, given twice, is a 400 saying so; a list parameter may be repeated', async () => {
    const twice = [{ path: 'limit', message: 'given more than once: it takes one value' }];
    refused(await call('GET', '/v1/customers?limit=0&limit=1', { key }), twice);
    refused(await call('GET', '/v1/audit?limit=1&limit=2', { key }), twice);
    refused(await call('GET', '/v1/customers?q=ros&q=bia', { key }), [{ path: 'q', message: 'given more than once: it takes one value' }]);
    await call('POST', '/v1/tags', { key, body: { name: 'Pranzo' } });
    const { id } = await newCustomer({ tags: ['VIP', 'Pranzo'] });
    const both = await call('GET', '/v1/customers?tags=VIP&tags=Pranzo', { key });
    expect(both.status).toBe(200);
    expect(both.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
  });
  it('a query parameter without a name (?=x, ?&&&=&) is a 400 naming the query, not "(body)"; stray & name nothing', async () => {
    const nameless = [{ path: '(query)', message: 'a query parameter has no name (as in ?=x or &=&): write name=value, or leave it out' }];
    refused(await call('GET', '/v1/customers?&&&=&', { key }), nameless);
    refused(await call('GET', '/v1/customers?=x', { key }), nameless);
    refused(await call('GET', '/v1/customers?limit=5&=VIP', { key }), nameless);
    refused(await call('GET', '/v1/exports?%20=x', { key }), nameless);
    refused(await call('GET', '/v1/settings?=', { key }), nameless);
    const stray = await call('GET', '/v1/customers?&&limit=5&', { key });
    expect(stray.status, JSON.stringify(stray.body)).toBe(200);
  });
});
