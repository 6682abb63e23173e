import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { createTable, startDynamo } from '../../local/emulators.ts';
import { dynamo } from '../../shared/clients.ts';
import { stores } from '../../shared/http/stores.ts';
import { ensureTenant, issueKey } from '../../shared/domain/tenants.ts';
import { call } from '../helpers/invoke.ts';

/**
 * A list's nextCursor pages on that list only (docs/api.md: a cursor of another list is a 400): the customer
 * list under another filter, another segment, the unfiltered list. Before, a cursor named only its sort
 * and order, so it was taken elsewhere and the rows before its position were silently skipped.
 */
let key: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  const ddb = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamo();
  Object.assign(process.env, {
    TABLE_NAME: `cursor-test-${ulid().toLowerCase()}`,
    IMPORT_BUCKET: 'imports-test',
    EXPORT_BUCKET: 'exports-test',
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? ddb!.endpoint,
    KEY_CACHE_SECONDS: '0',
  });
  await createTable(dynamo(), process.env.TABLE_NAME!);
  const tenant = `c${ulid().toLowerCase().slice(-10)}`;
  await ensureTenant(stores().tenants, tenant);
  key = (await issueKey(stores().tenants, tenant, 'secret')).key;
  const people = [
    { firstName: 'Giulia', email: 'giulia@example.it', language: 'it', tags: ['VIP'] },
    { firstName: 'Marco', email: 'marco@example.it', language: 'it' },
    { firstName: 'John', email: 'john@example.com', language: 'en', tags: ['VIP'] },
    { firstName: 'Luca', email: 'luca@example.it', language: 'it', tags: ['VIP'] },
  ];
  for (const body of people) expect((await call('POST', '/v1/customers', { key, body })).status).toBe(201);
  stop = async () => ddb?.stop();
});
afterAll(() => stop?.());

const refusesCursor = (res: { status: number; headers: Record<string, string>; body: { errors?: { path: string }[] } }) => {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body.errors?.map((e) => e.path)).toEqual(['cursor']);
};

describe('a cursor pages only the list that made it', () => {
  it('a cursor of the unfiltered list is a 400 under a filter, and one of a filter under another filter or none', async () => {
    const all = await call('GET', '/v1/customers?limit=1', { key });
    expect(all.body.nextCursor).toEqual(expect.any(String));
    refusesCursor(await call('GET', `/v1/customers?tags=VIP&limit=1&cursor=${all.body.nextCursor}`, { key }));

    const vip = await call('GET', '/v1/customers?tags=VIP&limit=1', { key });
    expect(vip.body.nextCursor).toEqual(expect.any(String));
    refusesCursor(await call('GET', `/v1/customers?limit=1&cursor=${vip.body.nextCursor}`, { key }));
    refusesCursor(await call('GET', `/v1/customers?tags=VIP&language=it&limit=1&cursor=${vip.body.nextCursor}`, { key }));
  });

  it('the same filter written another way (order of values, case of a tag) pages on, through every row once', async () => {
    const first = await call('GET', '/v1/customers?tags=VIP&language=it,en&limit=1', { key });
    const emails = first.body.items.map((c: { email: string }) => c.email);
    let cursor: string | null = first.body.nextCursor;
    let pages = 0;
    while (cursor && pages++ < 10) {
      const next = await call('GET', `/v1/customers?language=en,it&tags=vip&limit=1&cursor=${encodeURIComponent(cursor)}`, { key });
      expect(next.status).toBe(200);
      emails.push(...next.body.items.map((c: { email: string }) => c.email));
      cursor = next.body.nextCursor ?? null;
    }
    expect(emails.sort()).toEqual(['giulia@example.it', 'john@example.com', 'luca@example.it']);
  });

  it('a language written another way (code, region or name) is the same list: its cursor pages on', async () => {
    // The verification run: a cursor made under language=it was refused under it-IT, IT or Italiano, which list the same guests.
    const first = await call('GET', '/v1/customers?language=it&limit=1', { key });
    const emails = first.body.items.map((c: { email: string }) => c.email);
    let cursor: string | null = first.body.nextCursor;
    const spellings = ['it-IT', 'Italiano', 'IT'];
    let pages = 0;
    while (cursor && pages < 10) {
      const next = await call('GET', `/v1/customers?language=${spellings[pages++ % spellings.length]}&limit=1&cursor=${encodeURIComponent(cursor)}`, { key });
      expect(next.status).toBe(200);
      emails.push(...next.body.items.map((c: { email: string }) => c.email));
      cursor = next.body.nextCursor ?? null;
    }
    expect(emails.sort()).toEqual(['giulia@example.it', 'luca@example.it', 'marco@example.it']);
  });

  it("a segment's cursor is a 400 on another segment and on the customer list; on its own segment it pages on", async () => {
    const vip = (await call('POST', '/v1/segments', { key, body: { name: 'VIP', filter: { tags: ['VIP'] } } })).body;
    const italian = (await call('POST', '/v1/segments', { key, body: { name: 'Italian', filter: { language: ['it'] } } })).body;
    const page = await call('GET', `/v1/segments/${vip.id}/customers?limit=1`, { key });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    refusesCursor(await call('GET', `/v1/segments/${italian.id}/customers?limit=1&cursor=${page.body.nextCursor}`, { key }));
    refusesCursor(await call('GET', `/v1/customers?limit=1&cursor=${page.body.nextCursor}`, { key }));
    const next = await call('GET', `/v1/segments/${vip.id}/customers?limit=1&cursor=${page.body.nextCursor}`, { key });
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
  });
});
