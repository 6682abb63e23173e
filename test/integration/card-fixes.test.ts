import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';

/**
 * What a shop owner noticed using the API over DynamoDB Local (the review of the customer card): phone search
 * without the country code, languages by name, PATCH retries, deleted tags, control characters, name sort,
 * and the small list parameters.
 */
let key: string;

beforeAll(async () => {
  await useTestEnv();
  const { dynamoTenantStore } = await import('../../shared/store/tenant.store.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { dynamo } = await import('../../shared/clients.ts');
  const store = dynamoTenantStore(dynamo(), process.env.TABLE_NAME!);
  await ensureTenant(store, 'negozio');
  key = (await issueKey(store, 'negozio', 'secret')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const ids = async (url: string) => ((await call('GET', url, { key })).body.items as { id: string }[]).map((c) => c.id);
const create = async (body: Record<string, unknown>) => {
  const res = await call('POST', '/v1/customers', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string } & Record<string, unknown>;
};

describe('phone search without the country code', () => {
  it('finds a card by the national number as typed, with spaces, and by its first digits', async () => {
    const c = await create({ email: `tel-${uniq()}@example.it`, phone: '+39 333 999 0000' });
    for (const q of ['3339990000', '333 999 0000', '333-999', '(333) 999.00', '333999', '39333999', '+39 333 999', '0039333999']) {
      expect(await ids(`/v1/customers?q=${encodeURIComponent(q)}`), q).toContain(c.id);
    }
    expect(await ids(`/v1/customers?q=${encodeURIComponent('333 998')}`)).not.toContain(c.id);
  });

  it('reads a saved segment\'s phone query the same way, in its members and its count', async () => {
    const phone = `+39 347 ${String(Date.now() % 1e7).padStart(7, '0')}`;
    const c = await create({ email: `seg-${uniq()}@example.it`, phone });
    const national = phone.slice(4);
    const segment = await call('POST', '/v1/segments', { key, body: { name: `Phone ${uniq()}`, filter: { q: national } } });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    expect(await ids(`/v1/segments/${segment.body.id}/customers`)).toEqual([c.id]);
    expect((await call('GET', `/v1/segments/${segment.body.id}?refresh=true`, { key })).body.memberCount).toBe(1);
  });
});

describe('language', () => {
  it('stores a language written by name or as a regional tag as its code, so ?language=it finds it', async () => {
    const named = await create({ email: `lang-${uniq()}@example.it`, language: 'italiano' });
    const english = await create({ email: `lang-${uniq()}@example.it`, language: 'Italian' });
    const tagged = await create({ email: `lang-${uniq()}@example.it`, language: 'it-IT' });
    expect([named.language, english.language, tagged.language]).toEqual(['it', 'it', 'it']);
    for (const language of ['it', 'Italiano', 'it-IT']) {
      expect(await ids(`/v1/customers?language=${language}&limit=100`), language).toEqual(expect.arrayContaining([named.id, english.id, tagged.id]));
    }
  });

  it('refuses an unknown language on POST and PATCH with a 400 naming language', async () => {
    const post = await call('POST', '/v1/customers', { key, body: { email: `lang-${uniq()}@example.it`, language: 'klingonese' } });
    expect(post.status).toBe(400);
    expect(post.body.errors.map((e: { path: string }) => e.path)).toEqual(['language']);
    const c = await create({ email: `lang-${uniq()}@example.it`, language: 'en' });
    const patch = await call('PATCH', `/v1/customers/${c.id}`, { key, body: { language: 'xx' } });
    expect(patch.status).toBe(400);
    expect(patch.body.errors[0].path).toBe('language');
  });

  it('captures an event with an unknown language without it, and reads a named one', async () => {
    const email = `ev-${uniq()}@example.it`;
    const c = await create({ email, language: 'de' });
    const send = (language: string) =>
      call('POST', '/v1/events', {
        key,
        body: { eventId: `ev-${uniq()}`, occurredAt: new Date().toISOString(), type: 'contact_form.submitted', customer: { email, language }, data: { message: 'Ciao' } },
        headers: { host: 'api.test', 'x-forwarded-proto': 'https' },
      });
    const unknown = await send('klingon');
    expect(unknown.status, JSON.stringify(unknown.body)).toBeLessThan(300);
    expect((await call('GET', `/v1/customers/${c.id}`, { key })).body.language).toBe('de');
    expect((await send('Italian')).status).toBeLessThan(300);
    expect((await call('GET', `/v1/customers/${c.id}`, { key })).body.language).toBe('it');
  });
});

describe('PATCH that changes nothing', () => {
  const auditCount = async () => ((await call('GET', '/v1/audit?limit=100', { key })).body.items as { action: string }[]).filter((e) => e.action === 'customer.update').length;

  it('writes nothing when retried or empty: same version and ETag, no audit entry', async () => {
    const c = await create({ email: `patch-${uniq()}@example.it` });
    const first = await call('PATCH', `/v1/customers/${c.id}`, { key, body: { notes: 'n' } });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"2"');
    const audited = await auditCount();
    for (const body of [{ notes: 'n' }, { notes: 'n' }, {}]) {
      const again = await call('PATCH', `/v1/customers/${c.id}`, { key, body });
      expect(again.status).toBe(200);
      expect(again.headers.etag).toBe('"2"');
      expect(again.body).toMatchObject({ id: c.id, notes: 'n', version: 2 });
    }
    expect(await auditCount()).toBe(audited);
  });

  it('answers a retry with If-Match 200, not 412 for its own write, and If-Match still guards changes', async () => {
    const c = await create({ email: `ifm-${uniq()}@example.it` });
    const headers = { 'if-match': '"1"' };
    expect((await call('PATCH', `/v1/customers/${c.id}`, { key, body: { city: 'Roma' }, headers })).status).toBe(200);
    const retry = await call('PATCH', `/v1/customers/${c.id}`, { key, body: { city: 'Roma' }, headers });
    expect(retry.status).toBe(200);
    expect(retry.headers.etag).toBe('"2"');
    expect((await call('PATCH', `/v1/customers/${c.id}`, { key, body: { city: 'Milano' }, headers })).status).toBe(412);
    expect((await call('PATCH', `/v1/customers/${c.id}`, { key, body: { city: 'Milano' }, headers: { 'if-match': '"2"' } })).headers.etag).toBe('"3"');
  });
});

describe('a tag that left the catalogue', () => {
  it('stays on the cards that hold it, is still a filter, and a PATCH may keep it but not add it', async () => {
    const tag = `Celiaco${uniq()}`;
    expect((await call('POST', '/v1/tags', { key, body: { name: tag } })).status).toBe(201);
    const holder = await create({ email: `tag-${uniq()}@example.it`, tags: [tag] });
    const other = await create({ email: `tag-${uniq()}@example.it` });
    expect((await call('DELETE', `/v1/tags/${tag}`, { key })).status).toBe(204);
    expect(await ids(`/v1/customers?tags=${tag}`)).toEqual([holder.id]);
    const keep = await call('PATCH', `/v1/customers/${holder.id}`, { key, body: { tags: [tag, 'VIP'], firstName: 'Ada' } });
    expect(keep.status, JSON.stringify(keep.body)).toBe(200);
    expect(keep.body.tags).toEqual([tag, 'VIP']);
    const add = await call('PATCH', `/v1/customers/${other.id}`, { key, body: { tags: [tag] } });
    expect(add.status).toBe(400);
    expect(add.body.errors[0]).toMatchObject({ path: 'tags.0' });
    expect(add.body.errors[0].message).toContain('not in the tag catalogue');
  });
});

describe('control characters', () => {
  it('keeps them out of names, city and postal code, keeps lines in notes, and mends lone surrogates', async () => {
    const c = await create({ email: `ctl-${uniq()}@example.it`, firstName: 'An\u0000na', lastName: 'Ro\u0007ssi\u009b', city: 'Ro\nma\u001b', postalCode: '00\u0000100', notes: 'riga 1\r\nriga\t2\u0000' });
    expect(c).toMatchObject({ firstName: 'Anna', lastName: 'Rossi', city: 'Ro ma', postalCode: '00100', notes: 'riga 1\nriga\t2' });
    const patched = await call('PATCH', `/v1/customers/${c.id}`, { key, body: { firstName: 'Lu\uD800ca' } });
    expect(patched.body.firstName).toBe('Lu\uFFFDca');
  });

  it('keeps them out of what an event brings too', async () => {
    const email = `ctl-ev-${uniq()}@example.it`;
    const sent = await call('POST', '/v1/events', {
      key,
      body: { eventId: `ev-${uniq()}`, occurredAt: new Date().toISOString(), type: 'contact_form.submitted', customer: { email, firstName: '\u0000Bea\u0000', city: 'Pisa\u0085' }, data: { message: 'Ciao' } },
      headers: { host: 'api.test', 'x-forwarded-proto': 'https' },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBeLessThan(300);
    const found = (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key })).body.items;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ firstName: 'Bea', city: 'Pisa' });
    // A name of nothing but broken characters (a lone surrogate) says nothing: the card keeps its own.
    const again = await call('POST', '/v1/events', {
      key,
      body: { eventId: `ev-${uniq()}`, occurredAt: new Date().toISOString(), type: 'message.received', customer: { email, firstName: '\uD800', lastName: '\uDC00 \uD800', city: '\u0000' }, data: { text: 'x' } },
      headers: { host: 'api.test', 'x-forwarded-proto': 'https' },
    });
    expect(again.status, JSON.stringify(again.body)).toBeLessThan(300);
    const after = (await call('GET', `/v1/customers/${found[0].id}`, { key })).body;
    expect(after).toMatchObject({ firstName: 'Bea', lastName: null, city: 'Pisa' });
  });
});

describe('sorting by name', () => {
  it('lists names A→Z unless order says otherwise', async () => {
    const tag = `Sort${uniq()}`;
    expect((await call('POST', '/v1/tags', { key, body: { name: tag } })).status).toBe(201);
    const zeta = await create({ email: `z-${uniq()}@example.it`, lastName: 'Zanetti', tags: [tag] });
    const alfa = await create({ email: `a-${uniq()}@example.it`, lastName: 'Abate', tags: [tag] });
    const mid = await create({ email: `m-${uniq()}@example.it`, lastName: 'Moretti', tags: [tag] });
    expect(await ids(`/v1/customers?tags=${tag}&sort=lastName`)).toEqual([alfa.id, mid.id, zeta.id]);
    expect(await ids(`/v1/customers?tags=${tag}&sort=lastName&order=desc`)).toEqual([zeta.id, mid.id, alfa.id]);
    // Dates keep newest first.
    expect(await ids(`/v1/customers?tags=${tag}`)).toEqual([mid.id, alfa.id, zeta.id]);
  });
});

describe('list parameters', () => {
  it('names limit and says it must be a whole number', async () => {
    for (const limit of ['abc', '2.5']) {
      const res = await call('GET', `/v1/audit?limit=${limit}`, { key });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('limit');
      expect(res.body.errors[0].message).toContain('whole number');
      expect(JSON.stringify(res.body)).not.toContain('NaN');
    }
  });

  it('refuses parameters GET /v1/tags does not take, as other routes do', async () => {
    const res = await call('GET', '/v1/tags?limit=1', { key });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('limit');
    expect((await call('GET', '/v1/tags', { key })).status).toBe(200);
  });
});
