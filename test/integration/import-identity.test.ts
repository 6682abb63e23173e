import { beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import { call } from '../helpers/invoke.ts';
import { importThroughApi } from '../helpers/import-api.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { useLocalEnv } from '../support/aws.ts';

/**
 * An import row naming an email or phone a merge folded into another customer, through the API routes and
 * the S3-triggered worker, against DynamoDB Local and s3rver. The row's lookup leads to the survivor: the
 * row updates it (as an event does), in a real run and in a dry run, and the rest of the file is applied.
 * A row whose card cannot be written on any try (a lookup left pointing at no card, as an erasure under way
 * leaves it) is rejected with the reason, and the rest of its window is applied: the job never stays
 * `running`.
 */
let db: DynamoDBDocumentClient;
let s3: S3Client;
let bucket: string;
let stores: Awaited<typeof import('../../shared/http/stores.ts')>['stores'];

beforeAll(async () => {
  const env = await useLocalEnv();
  db = env.db;
  s3 = env.s3;
  bucket = env.importBucket;
  ({ stores } = await import('../../shared/http/stores.ts'));
});

let n = 0;
async function tenantWithKey() {
  const tenant = `mrgimp-${Date.now().toString(36)}-${n++}`;
  return { tenant, key: await tenantWithSecretKey(tenant) };
}

async function reportOf(reportKey: string): Promise<string[][]> {
  const text = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey }))).Body!.transformToString();
  return (parse(text, { bom: true }) as string[][]).slice(1);
}

/** A (a@m.it, +39 340 111 0001) with B (b@m.it, +39 340 111 0002) merged into it. */
async function mergedPair(key: string) {
  const a = await call('POST', '/v1/customers', { key, body: { firstName: 'Anna', email: 'a@m.it', phone: '+39 340 111 0001' } });
  const b = await call('POST', '/v1/customers', { key, body: { firstName: 'Bea', email: 'b@m.it', phone: '+39 340 111 0002' } });
  expect([a.status, b.status]).toEqual([201, 201]);
  const merged = await call('POST', `/v1/customers/${a.body.id}/merge`, { key, body: { otherId: b.body.id } });
  expect(merged.status).toBe(200);
  return a.body.id as string;
}

async function allCustomers(key: string) {
  const res = await call('GET', '/v1/customers?limit=100', { key });
  expect(res.status).toBe(200);
  return res.body.items as { id: string; email: string | null; phone: string | null; city: string | null; firstName: string | null }[];
}

describe('an import row naming an email or phone merged into another customer', () => {
  it("updates the survivor when the row has the merged-away email, and the rest of the file is applied", async () => {
    const { tenant, key } = await tenantWithKey();
    const a = await mergedPair(key);
    const others = Array.from({ length: 9 }, (_, i) => `Persona${i},persona${i}@m.it,`);
    const job = await importThroughApi(key, tenant, ['First name,Email,City', 'Bea,b@m.it,Roma', ...others].join('\n'));

    expect(job).toMatchObject({ status: 'completed', counts: { rows: 10, created: 9, updated: 1, rejected: 0 } });
    const list = await allCustomers(key);
    expect(list).toHaveLength(10);
    expect(list.find((c) => c.id === a)).toMatchObject({ email: 'a@m.it', phone: '+393401110001', city: 'Roma', firstName: 'Anna' });
    expect(list.filter((c) => c.email === 'b@m.it')).toEqual([]);
  });

  it('updates the survivor when the row has only the merged-away phone, with no warning about replacing a phone', async () => {
    const { tenant, key } = await tenantWithKey();
    const a = await mergedPair(key);
    const job = await importThroughApi(key, tenant, 'Phone,City\n+39 340 111 0002,Milano\n');

    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, created: 0, updated: 1, rejected: 0, warnings: 0 } });
    const list = await allCustomers(key);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: a, phone: '+393401110001', city: 'Milano' });
  });

  it('a dry run says the same: the row would update the survivor, nobody is created', async () => {
    const { tenant, key } = await tenantWithKey();
    const a = await mergedPair(key);
    const job = await importThroughApi(key, tenant, 'First name,Email,City\nBea,b@m.it,Roma\n', { dryRun: true });

    expect(job).toMatchObject({ status: 'completed', dryRun: true, counts: { rows: 1, created: 0, updated: 1 } });
    const list = await allCustomers(key);
    expect(list.map((c) => [c.id, c.city])).toEqual([[a, null]]);
  });
});

describe('a row whose card cannot be written on any try', () => {
  it('is rejected with the reason; the other rows of its window are applied and the job completes', async () => {
    const { tenant, key } = await tenantWithKey();
    // A lookup pointing at no card, as an erasure under way leaves it between its steps: the row looks new,
    // and its lookup fails its condition every time.
    const { identityEntity } = await import('../../shared/store/entities.ts');
    await db.send(new PutCommand({ TableName: process.env.TABLE_NAME!, Item: identityEntity.item(tenant, 'email', 'ghost@m.it', 'no-such-card') }));
    const job = await importThroughApi(key, tenant, ['First name,Email', 'Uno,uno@m.it', 'Ghost,ghost@m.it', 'Tre,tre@m.it'].join('\n'));

    expect(job).toMatchObject({ status: 'completed', counts: { rows: 3, created: 2, rejected: 1 } });
    expect((await allCustomers(key)).map((c) => c.email).sort()).toEqual(['tre@m.it', 'uno@m.it']);
    const { reportKey } = (await stores().imports.get(tenant, job.id))!;
    expect(await reportOf(reportKey!)).toEqual([['3', 'Ghost,ghost@m.it', expect.stringMatching(/could not be applied.*import this row again/)]]);
  });
});

describe("an import row with another customer's phone", () => {
  it('makes a new card without the phone and records the conflict: both cards list each other as duplicates; imported again, nothing changes', async () => {
    const { tenant, key } = await tenantWithKey();
    const y = await call('POST', '/v1/customers', { key, body: { firstName: 'Ylenia', email: 'y@shop.it', phone: '+39 333 444 5555' } });
    expect(y.status).toBe(201);
    const file = 'First name,Last name,Email,Phone\nNuova,,nuova@shop.it,+39 333 444 5555\n';
    const job = await importThroughApi(key, tenant, file);

    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1, warnings: 1 } });
    const nuova = (await allCustomers(key)).find((c) => c.email === 'nuova@shop.it')!;
    expect(nuova.phone).toBeNull();
    const fromNuova = await call('GET', `/v1/customers/${nuova.id}/duplicates`, { key });
    expect(fromNuova.body.items).toEqual([expect.objectContaining({ customer: expect.objectContaining({ id: y.body.id }), reasons: ['phone'] })]);
    const fromY = await call('GET', `/v1/customers/${y.body.id}/duplicates`, { key });
    expect(fromY.body.items).toEqual([expect.objectContaining({ customer: expect.objectContaining({ id: nuova.id }), reasons: ['phone'] })]);

    const again = await importThroughApi(key, tenant, file);
    expect(again).toMatchObject({ status: 'completed', counts: { rows: 1, created: 0, updated: 0, unchanged: 1 } });

    // The conflict left a pointer in Ylenia's partition: erasing her removes the quote of her phone from Nuova's card.
    expect(JSON.stringify((await call('GET', `/v1/customers/${nuova.id}`, { key })).body.conflicts)).toContain('+393334445555');
    expect((await call('DELETE', `/v1/customers/${y.body.id}`, { key })).status).toBe(204);
    expect(JSON.stringify((await call('GET', `/v1/customers/${nuova.id}`, { key })).body.conflicts ?? [])).not.toContain('+393334445555');
  });

  it('on a card found by its email, records the conflict there too', async () => {
    const { tenant, key } = await tenantWithKey();
    const y = (await call('POST', '/v1/customers', { key, body: { firstName: 'Ylenia', email: 'y@shop.it', phone: '+39 333 444 5555' } })).body;
    const z = (await call('POST', '/v1/customers', { key, body: { firstName: 'Zeno', email: 'z@shop.it' } })).body;
    const job = await importThroughApi(key, tenant, 'Email,Phone\nz@shop.it,+39 333 444 5555\n');

    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, updated: 1, warnings: 1 } });
    const fromZ = await call('GET', `/v1/customers/${z.id}/duplicates`, { key });
    expect(fromZ.body.items).toEqual([expect.objectContaining({ customer: expect.objectContaining({ id: y.id }), reasons: ['phone'] })]);
    expect((await call('GET', `/v1/customers/${z.id}`, { key })).body.phone).toBeNull();
  });
});

describe('a phone with an extension', () => {
  it('is a 400 naming phone on POST, and left out of an import row with a warning: two extensions of one switchboard never land on one card', async () => {
    const { tenant, key } = await tenantWithKey();
    const posted = await call('POST', '/v1/customers', { key, body: { email: 'centralino@m.it', phone: '+39 02 8765 4321 ext. 303' } });
    expect(posted.status).toBe(400);
    expect(posted.headers['content-type']).toContain('application/problem+json');
    expect(posted.body.errors).toEqual([{ path: 'phone', message: expect.stringMatching(/^has an extension/) }]);

    const job = await importThroughApi(key, tenant, 'Email,Phone\nuno@m.it,+39 02 8765 4321 ext. 101\ndue@m.it,+39 02 8765 4321 ext. 202\n');
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 2, created: 2, warnings: 2 } });
    const list = await allCustomers(key);
    expect(list.map((c) => [c.email, c.phone]).sort()).toEqual([
      ['due@m.it', null],
      ['uno@m.it', null],
    ]);
  });
});
