import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

let key: string;
let pk: string;
let otherKey: string;

beforeAll(async () => {
  await useTestEnv();
  const { dynamoTenantStore } = await import('../../shared/store/tenant.store.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { dynamo } = await import('../../shared/clients.ts');
  const store = dynamoTenantStore(dynamo(), process.env.TABLE_NAME!);
  await ensureTenant(store, 'trattoria');
  await ensureTenant(store, 'bottega');
  key = (await issueKey(store, 'trattoria', 'secret')).key;
  pk = (await issueKey(store, 'trattoria', 'publishable')).key;
  otherKey = (await issueKey(store, 'bottega', 'secret')).key;
});

const giulia = { firstName: 'Giulia', lastName: 'Rossi', email: 'Giulia.Rossi@Example.it', phone: '333 123 4567', language: 'it', tags: ['vip'] };

describe('keys', () => {
  it('answers 401 problem+json without a key or with a wrong one', async () => {
    const none = await call('GET', '/v1/customers');
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toBe('application/problem+json');
    expect((await call('GET', '/v1/customers', { key: 'sk_wrongwrongwrongwrongwrong' })).status).toBe(401);
  });

  it('accepts the key in x-api-key too', async () => {
    expect((await call('GET', '/v1/customers', { headers: { 'x-api-key': key } })).status).toBe(200);
  });

  it('refuses a publishable key outside events with 403', async () => {
    const res = await call('GET', '/v1/customers', { key: pk, headers: { origin: 'https://www.trattoria.example' } });
    expect(res.status).toBe(403);
  });

  it('stops accepting a revoked key', async () => {
    const created = await call('POST', '/v1/keys', { key, body: { kind: 'secret' } });
    expect(created.status).toBe(201);
    const fresh = created.body.key as string;
    expect(fresh).toMatch(/^sk_[A-Za-z0-9_-]+$/);
    expect((await call('GET', '/v1/settings', { key: fresh })).status).toBe(200);
    expect((await call('DELETE', `/v1/keys/${created.body.keyId}`, { key })).status).toBe(204);
    const listed = await call('GET', '/v1/keys', { key });
    expect(listed.body.items.find((k: { keyId: string }) => k.keyId === created.body.keyId).revokedAt).toBeTruthy();
    expect(JSON.stringify(listed.body)).not.toContain(fresh);
  });
});

describe('customers', () => {
  it('creates a customer with normalised email and E.164 phone, and reads the card back', async () => {
    const res = await call('POST', '/v1/customers', { key, body: giulia });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'giulia.rossi@example.it', phone: '+393331234567', tags: ['VIP'], consent: { newsletter: 'unknown' } });
    expect(res.headers.etag).toBe('"1"');
    const card = await call('GET', `/v1/customers/${res.body.id}`, { key });
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ id: res.body.id, firstName: 'Giulia', history: [] });
    expect(card.headers.etag).toBe('"1"');
  });

  it('answers 409 naming the customer who already has the email or the phone', async () => {
    const first = await call('POST', '/v1/customers', { key, body: { email: 'marco@example.it', phone: '+39 347 000 1111' } });
    const sameEmail = await call('POST', '/v1/customers', { key, body: { email: 'MARCO@example.it' } });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.detail).toContain(first.body.id);
    const samePhone = await call('POST', '/v1/customers', { key, body: { email: 'other@example.it', phone: '3470001111' } });
    expect(samePhone.status).toBe(409);
    expect(samePhone.body.customerId).toBe(first.body.id);
  });

  it('makes one customer out of two concurrent creates with the same email', async () => {
    const body = { email: 'race@example.it', firstName: 'Race' };
    const results = await Promise.all([call('POST', '/v1/customers', { key, body }), call('POST', '/v1/customers', { key, body })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const list = await call('GET', '/v1/customers?q=race@example.it', { key });
    expect(list.body.items).toHaveLength(1);
  });

  it('refuses bad input with 400 problem+json naming each field', async () => {
    const res = await call('POST', '/v1/customers', { key, body: { email: 'nope', phone: '12', colour: 'red' } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('colour');
    const fields = await call('POST', '/v1/customers', { key, body: { email: 'nope', phone: '12' } });
    expect(fields.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'phone']);
    const noIdentity = await call('POST', '/v1/customers', { key, body: { firstName: 'Anon' } });
    expect(noIdentity.status).toBe(400);
    const badJson = await call('POST', '/v1/customers', { key, body: '{"email":' });
    expect(badJson.status).toBe(400);
  });

  it('refuses a tenth tag and tags outside the catalogue', async () => {
    expect((await call('POST', '/v1/customers', { key, body: { email: 't1@example.it', tags: ['Gold'] } })).status).toBe(400);
    for (const name of ['A', 'B']) await call('POST', '/v1/tags', { key, body: { name } });
    const ten = ['Friends & Family', 'Business', 'Influencer', 'Local', 'No-show', 'Problematic', 'Regular', 'VIP', 'A', 'B'];
    const res = await call('POST', '/v1/customers', { key, body: { email: 't2@example.it', tags: ten } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'tags', message: 'at most 9 tags per customer' }]);
    expect((await call('POST', '/v1/customers', { key, body: { email: 't3@example.it', tags: ten.slice(0, 9) } })).status).toBe(201);
  });

  it('updates with If-Match, refuses a stale ETag with 412, and clears a field with null', async () => {
    const created = await call('POST', '/v1/customers', { key, body: { email: 'lucia@example.it', city: 'Roma', notes: 'window table' } });
    const id = created.body.id;
    const updated = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Milano', notes: null }, headers: { 'if-match': '"1"' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ city: 'Milano', notes: null, email: 'lucia@example.it', version: 2 });
    expect(updated.headers.etag).toBe('"2"');
    const stale = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Napoli' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.detail).toBe('The customer changed since version 1 (now 2); read it again');
    // An If-Match that names no version never matches, and says so rather than "since version -1".
    const garbled = await call('PATCH', `/v1/customers/${id}`, { key, body: { city: 'Napoli' }, headers: { 'if-match': '"abc"' } });
    expect(garbled.status).toBe(412);
    expect(garbled.body.detail).toBe('If-Match names no version of this customer (its ETag is "2"); read it again');
    expect((await call('GET', `/v1/customers/${id}`, { key })).body.city).toBe('Milano');
  });

  it('moves the email lookup when the email changes, freeing the old address', async () => {
    const a = await call('POST', '/v1/customers', { key, body: { email: 'old@example.it' } });
    expect((await call('PATCH', `/v1/customers/${a.body.id}`, { key, body: { email: 'new@example.it' } })).status).toBe(200);
    expect((await call('POST', '/v1/customers', { key, body: { email: 'old@example.it' } })).status).toBe(201);
    const clash = await call('PATCH', `/v1/customers/${a.body.id}`, { key, body: { email: 'giulia.rossi@example.it' } });
    expect(clash.status).toBe(409);
  });

  it('records consent given through the API with its source', async () => {
    const res = await call('POST', '/v1/customers', { key, body: { email: 'consent@example.it', consent: { newsletter: 'granted' } } });
    expect(res.body.consent).toMatchObject({ newsletter: 'granted', source: 'api' });
    expect(res.body.consent.updatedAt).toBeTruthy();
  });

  it('answers 404 for unknown ids and for another tenant’s customers', async () => {
    const mine = await call('POST', '/v1/customers', { key, body: { email: 'private@example.it' } });
    expect((await call('GET', '/v1/customers/01ZZZZZZZZZZZZZZZZZZZZZZZZ', { key })).status).toBe(404);
    expect((await call('GET', `/v1/customers/${mine.body.id}`, { key: otherKey })).status).toBe(404);
    expect((await call('PATCH', `/v1/customers/${mine.body.id}`, { key: otherKey, body: { city: 'x' } })).status).toBe(404);
    const theirs = await call('GET', '/v1/customers?limit=100', { key: otherKey });
    expect(theirs.body.items).toEqual([]);
  });
});

describe('customer list', () => {
  it('pages through every customer exactly once with the cursor', async () => {
    for (let i = 0; i < 23; i++) await call('POST', '/v1/customers', { key, body: { email: `page${i}@example.it`, language: i % 2 ? 'en' : 'it' } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call('GET', `/v1/customers?q=page&limit=5${cursor ? `&cursor=${cursor}` : ''}`, { key });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.items.map((c: { email: string }) => c.email));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const italians = await call('GET', '/v1/customers?q=page&language=it&limit=100', { key });
    expect(italians.body.items).toHaveLength(12);
  });

  it('sorts by last name and by first contact, both directions', async () => {
    const byName = await call('GET', '/v1/customers?sort=lastName&order=asc&limit=100', { key });
    const names = byName.body.items.map((c: { lastName: string | null }) => (c.lastName ?? '').toLowerCase());
    // The cards without a last name after the others (docs/api.md).
    expect(names).toEqual([...names.filter(Boolean).sort(), ...names.filter((n: string) => !n)]);
    const newest = await call('GET', '/v1/customers?limit=100', { key });
    const times = newest.body.items.map((c: { firstContactAt: string }) => c.firstContactAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by tags (all), consent and first-contact date', async () => {
    const vip = await call('GET', '/v1/customers?tags=vip&limit=100', { key });
    expect(vip.body.items.map((c: { email: string }) => c.email)).toContain('giulia.rossi@example.it');
    expect(vip.body.items.every((c: { tags: string[] }) => c.tags.includes('VIP'))).toBe(true);
    const granted = await call('GET', '/v1/customers?consent=granted', { key });
    expect(granted.body.items.map((c: { email: string }) => c.email)).toEqual(['consent@example.it']);
    const future = await call('GET', '/v1/customers?firstContactFrom=2999-01-01', { key });
    expect(future.body.items).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    const recent = await call('GET', `/v1/customers?firstContactFrom=2000-01-01&firstContactTo=2999-12-31&limit=100&q=page`, { key });
    expect(recent.body.items.length).toBe(23);
    expect(today).toBeTruthy();
  });

  it('refuses unknown filter fields and bad values with 400', async () => {
    const res = await call('GET', '/v1/customers?colour=red', { key });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('colour');
    expect((await call('GET', '/v1/customers?limit=1000', { key })).status).toBe(400);
    expect((await call('GET', '/v1/customers?firstContactFrom=yesterday', { key })).status).toBe(400);
    expect((await call('GET', '/v1/customers?cursor=garbage', { key })).status).toBe(400);
  });

  it('refuses __proto__ as it refuses any unknown parameter, and impossible days in date bounds', async () => {
    for (const name of ['__proto__', 'constructor']) {
      const res = await call('GET', `/v1/customers?${name}=1`, { key });
      expect(res.status, name).toBe(400);
      expect(res.body.errors).toEqual([{ path: name, message: `unknown field: ${name}` }]);
    }
    for (const day of ['2026-02-30', '2026-04-31', '2025-02-29']) {
      const res = await call('GET', `/v1/customers?firstContactFrom=${day}`, { key });
      expect(res.status, day).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'firstContactFrom', message: 'is not a real date' }]);
    }
    expect((await call('GET', '/v1/customers?firstContactFrom=2024-02-29', { key })).status).toBe(200);
  });

  it('an empty list value (city=, bought=, a segment of {"country": []}) is a 400 naming the field, not a 500', async () => {
    for (const field of ['language', 'consent', 'tags', 'anyTags', 'gender', 'city', 'country', 'rfmGroup', 'bought']) {
      for (const value of ['', ',', '%20']) {
        const res = await call('GET', `/v1/customers?${field}=${value}`, { key });
        expect({ field, value, status: res.status }).toEqual({ field, value, status: 400 });
        expect(res.body.errors[0]).toEqual({ path: field, message: 'give at least one value' });
      }
    }
    const segment = await call('POST', '/v1/segments', { key, body: { name: 'Nobody', filter: { country: [] } } });
    expect(segment.status).toBe(400);
    expect(segment.body.errors[0].path).toBe('filter.country');
  });
});

describe('tags and settings', () => {
  it('lists the 8 default tags and adds one case-insensitively once', async () => {
    const { body } = await call('GET', '/v1/tags', { key: otherKey });
    expect(body.items).toEqual(['Friends & Family', 'Business', 'Influencer', 'Local', 'No-show', 'Problematic', 'Regular', 'VIP']);
    expect((await call('POST', '/v1/tags', { key: otherKey, body: { name: 'Vegan' } })).status).toBe(201);
    expect((await call('POST', '/v1/tags', { key: otherKey, body: { name: 'vegan' } })).status).toBe(200);
    expect((await call('DELETE', '/v1/tags/VEGAN', { key: otherKey })).status).toBe(204);
    expect((await call('DELETE', '/v1/tags/Vegan', { key: otherKey })).status).toBe(404);
  });

  it('reads and changes settings, validating each field', async () => {
    const res = await call('PATCH', '/v1/settings', { key: otherKey, body: { defaultCountry: 'gb', timeZone: 'Europe/London', allowedOrigins: ['https://shop.example'] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'bottega', defaultCountry: 'GB', currency: 'EUR', timeZone: 'Europe/London', allowedOrigins: ['https://shop.example'] });
    const bad = await call('PATCH', '/v1/settings', { key: otherKey, body: { timeZone: 'Mars/Olympus', allowedOrigins: ['shop.example/path'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['allowedOrigins.0', 'timeZone']);
    // The default country now reads national numbers as British.
    const uk = await call('POST', '/v1/customers', { key: otherKey, body: { phone: '020 7946 0958' } });
    expect(uk.body.phone).toBe('+442079460958');
    // A business name with a bidi control (it could move the id shown beside it on the console's sign-in screen).
    const bidi = await call('PATCH', '/v1/settings', { key: otherKey, body: { name: 'Demo” (Id demo). Verified\u2067' } });
    expect(bidi.status).toBe(400);
    expect(bidi.body.errors).toEqual([{ path: 'name', message: 'must not hold a control character or a bidi control (U+202A–U+202E, U+2066–U+2069)' }]);
  });

  it('keeps names and the city without bidi controls, so a name cannot pose as an email address in a list', async () => {
    const created = await call('POST', '/v1/customers', { key: otherKey, body: { firstName: '\u202Emoc.knab-eruces@nimda', lastName: 'Bianchi', city: '\u2067Roma', email: 'bidi@example.it' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ firstName: 'moc.knab-eruces@nimda', lastName: 'Bianchi', city: 'Roma' });
  });
});
