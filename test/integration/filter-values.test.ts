import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { createTable, startDynamo } from '../../local/emulators.ts';
import { dynamo } from '../../shared/clients.ts';
import { stores } from '../../shared/http/stores.ts';
import { ensureTenant, issueKey } from '../../shared/domain/tenants.ts';
import { call } from '../helpers/invoke.ts';

/**
 * A filter value no card can hold (a gender outside the card's, a language clientela does not know) is a 400
 * naming the field, in the list, segments and exports alike (they share FilterSchema), not an empty page
 * that looks like "nobody matches"; and the business's own language in settings is read the same way.
 */
let key: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  const ddb = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamo();
  Object.assign(process.env, {
    TABLE_NAME: `filter-values-test-${ulid().toLowerCase()}`,
    IMPORT_BUCKET: 'imports-test',
    EXPORT_BUCKET: 'exports-test',
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? ddb!.endpoint,
    KEY_CACHE_SECONDS: '0',
  });
  await createTable(dynamo(), process.env.TABLE_NAME!);
  const tenant = `f${ulid().toLowerCase().slice(-10)}`;
  await ensureTenant(stores().tenants, tenant);
  key = (await issueKey(stores().tenants, tenant, 'secret')).key;
  expect((await call('POST', '/v1/customers', { key, body: { firstName: 'Giulia', email: 'giulia@example.it', language: 'Italiano', gender: 'female' } })).status).toBe(201);
  stop = async () => ddb?.stop();
});
afterAll(() => stop?.());

type Reply = Awaited<ReturnType<typeof call>>;
const refuses = (res: Reply, field: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.headers['content-type']).toBe('application/problem+json');
  const paths = (res.body.errors as { path: string }[]).map((e) => e.path.split('.').filter((p) => !/^\d+$/.test(p)).join('.'));
  expect(paths).toEqual([field]);
};

describe('filter values that can never match', () => {
  it('GET /v1/customers: gender=alien and language=klingon are 400s naming the field; real values still match', async () => {
    refuses(await call('GET', '/v1/customers?gender=alien', { key }), 'gender');
    refuses(await call('GET', '/v1/customers?language=klingon', { key }), 'language');
    refuses(await call('GET', '/v1/customers?language=it,klingon', { key }), 'language');
    expect((await call('POST', '/v1/customers', { key, body: { email: 'k@example.it', language: 'klingon' } })).status).toBe(400);

    const found = await call('GET', '/v1/customers?gender=female&language=italian', { key });
    expect(found.status).toBe(200);
    expect(found.body.items.map((c: { email: string }) => c.email)).toEqual(['giulia@example.it']);
    expect((await call('GET', '/v1/customers?gender=male,non-binary&language=it-IT', { key })).body.items).toEqual([]);
  });

  it('segments and exports refuse them the same way', async () => {
    refuses(await call('POST', '/v1/segments', { key, body: { name: 'Aliens', filter: { gender: 'alien' } } }), 'filter.gender');
    refuses(await call('POST', '/v1/segments', { key, body: { name: 'Klingons', filter: { language: ['klingon'] } } }), 'filter.language');
    refuses(await call('POST', '/v1/exports', { key, body: { filter: { gender: ['female', 'alien'] } } }), 'filter.gender');
  });

  it('PATCH /v1/settings refuses a language clientela does not know, and keeps a known one with its region', async () => {
    refuses(await call('PATCH', '/v1/settings', { key, body: { language: 'klingon' } }), 'language');
    expect((await call('GET', '/v1/settings', { key })).body.language).not.toBe('klingon');
    const set = await call('PATCH', '/v1/settings', { key, body: { language: 'en-GB' } });
    expect(set.status).toBe(200);
    expect(set.body.language).toBe('en-GB');
  });
  it('PATCH /v1/settings stores a language written by its name as its code, as a card’s (mails and exports read the code)', async () => {
    // The verification run: "Italiano" was stored as "italiano", and the double opt-in mail came out in English.
    for (const [written, stored] of [['Italiano', 'it'], ['Deutsch', 'de'], ['ITA', 'it'], [' Italiano ', 'it']]) {
      const set = await call('PATCH', '/v1/settings', { key, body: { language: written } });
      expect(set.status).toBe(200);
      expect(set.body.language).toBe(stored);
    }
  });
});
