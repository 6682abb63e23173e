import { beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { SUPPRESSED_REASON } from '../../shared/import/run-import.ts';
import { tableItems } from '../helpers/table-scan.ts';

/**
 * GDPR erasure against DynamoDB Local and s3rver, through the real handlers: after DELETE nothing in the
 * table names the person, they cannot come back through events or imports, unless the business itself
 * records a new consent.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let skId: string;
let pk: string;
let importHandler: (e: S3Event) => Promise<void>;
const TENANT = 'erasure-shop';
const ORIGIN = 'https://www.shop.example';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  const issued = await issueKey(stores().tenants, TENANT, 'secret');
  sk = issued.key;
  skId = issued.keyId;
  pk = (await issueKey(stores().tenants, TENANT, 'publishable')).key;
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
// The page's Origin only with the publishable key: a secret key from another site's page is a 401.
const send = (event: Record<string, unknown>, key = sk) =>
  call('POST', '/v1/events', { key, body: { eventId: `ev-${uniq()}`, occurredAt: '2026-03-01T12:00:00Z', ...event }, headers: { ...(key.startsWith('pk_') ? { origin: ORIGIN } : {}), host: 'api.test' } });

/** Every item of the table, as JSON text (what a raw scan of the whole table would show). */
async function scanTable(db: DynamoDBDocumentClient): Promise<string[]> {
  return (await tableItems(db, env.tableName)).map((item) => JSON.stringify(item));
}
/** Objects of the import and export buckets whose key or content holds one of the needles (phones also as bare national digits). */
async function filesMentioning(...needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const Bucket of [env.importBucket, env.exportBucket]) {
    let ContinuationToken: string | undefined;
    do {
      const page = await env.s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
      for (const { Key } of page.Contents ?? []) {
        const text = `${Key}\n${await (await env.s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString()}`.toLowerCase();
        if (needles.some((x) => text.includes(x.toLowerCase()) || (/^\d{6,}$/.test(x) && text.replace(/\D/g, '').includes(x)))) found.push(`${Bucket}/${Key}`);
      }
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
  }
  return found;
}
const mentioning = async (...needles: string[]) => (await scanTable(env.db)).filter((item) => needles.some((x) => item.toLowerCase().includes(x.toLowerCase())));

/** Puts a CSV in the import bucket and runs the S3-triggered worker on it; answers the finished job. */
async function importCsv(csv: string) {
  const key = `imports/${TENANT}/${uniq()}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const { stores } = await import('../../shared/http/stores.ts');
  const jobs = await stores().imports.list(TENANT, 1);
  return jobs.items[0]!;
}

async function reportRows(reportKey: string) {
  const res = await env.s3.send(new GetObjectCommand({ Bucket: env.importBucket, Key: reportKey }));
  return (await res.Body!.transformToString()).split('\n').slice(1).filter(Boolean);
}

/** A person with a full life: booking, order, consent, history, a custom attribute, and an import warning row. */
async function richCustomer() {
  const email = `erin.${uniq()}@example.com`;
  const phone = `+39347${String(1000000 + Math.floor(Math.random() * 8999999))}`;
  const national = phone.slice(3);
  const customer = { email, phone, firstName: 'Erin', lastName: 'Erased' };
  const created = await send({ type: 'booking.created', customer, data: { bookingId: `b-${uniq()}`, date: '2026-03-10', time: '20:00', partySize: 2 } });
  expect(created.status).toBe(200);
  const id = created.body.customerId as string;
  expect((await send({ type: 'order.completed', customer: { email }, data: { orderId: `o-${uniq()}`, currency: 'EUR', total: 2500, items: [{ sku: 'p', name: 'Pasta', quantity: 1, unitPrice: 2500 }] } })).status).toBe(200);
  expect((await send({ type: 'newsletter.subscribed', customer: { email }, data: {} })).status).toBe(200);
  expect((await send({ type: 'contact_form.submitted', customer: { phone }, data: { message: 'Table by the window?' } })).status).toBe(200);
  expect((await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { attributes: { allergy: 'nuts' }, consent: { newsletter: 'denied' } } })).status).toBe(200);
  // An import row naming the person with a warning: the error report quotes the row as written.
  // It changes the city, so the import also keeps an undo record (before-image) in the partition.
  const job = await importCsv(`email,phone,city,birth date\n${email.toUpperCase()},${national.slice(0, 3)} ${national.slice(3)},Roma,not-a-date\n`);
  expect(job.counts).toMatchObject({ rows: 1, updated: 1, warnings: 1 });
  expect((await mentioning(email, id, phone)).length).toBeGreaterThan(8);
  return { id, email, phone, national };
}

describe('DELETE /v1/customers/{id}', () => {
  it('leaves no item holding the id, email or phone; the person answers 404 everywhere; the act is audited', async () => {
    const p = await richCustomer();
    // Before: the import's error report in the bucket quotes the person's row (email as written, phone digits).
    expect((await filesMentioning(p.email)).length).toBeGreaterThan(0);
    const res = await call('DELETE', `/v1/customers/${p.id}`, { key: sk });
    expect(res.status).toBe(204);

    const left = await mentioning(p.id, p.email, p.phone);
    expect(left).toEqual([]);
    // The error-report CSV already written to the import bucket is rewritten without the row.
    expect(await filesMentioning(p.id, p.email, p.phone, p.national)).toEqual([]);
    // Import report rows are redacted too (they held the phone as written: national digits with a space).
    expect((await scanTable(env.db)).filter((i) => i.replace(/\D/g, '').includes(p.national))).toEqual([]);

    for (const [method, path] of [
      ['GET', `/v1/customers/${p.id}`],
      ['PATCH', `/v1/customers/${p.id}`],
      ['DELETE', `/v1/customers/${p.id}`],
      ['GET', `/v1/customers/${p.id}/history`],
      ['GET', `/v1/customers/${p.id}/consents`],
      ['GET', `/v1/customers/${p.id}/export`],
      ['POST', `/v1/customers/${p.id}/unsubscribe-link`],
    ] as const) {
      const r = await call(method, path, { key: sk, body: method === 'PATCH' ? { firstName: 'X' } : undefined });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.headers['content-type']).toBe('application/problem+json');
    }
    const list = await call('GET', `/v1/customers?q=${encodeURIComponent(p.email)}`, { key: sk });
    expect(list.body.items).toEqual([]);

    const audit = await call('GET', '/v1/audit', { key: sk });
    expect(audit.body.items[0]).toMatchObject({ actor: skId, action: 'customer.erase', target: 'customer' });
    expect(JSON.stringify(audit.body)).not.toContain(p.id);
    expect(JSON.stringify(audit.body)).not.toContain(p.email);
  });

  it('keeps an erased person out: events and imports are suppressed, until the business records a new consent with its secret key', async () => {
    const p = await richCustomer();
    expect((await call('DELETE', `/v1/customers/${p.id}`, { key: sk })).status).toBe(204);

    // A website event (publishable key), even one granting consent: not re-created.
    const web = await send({ type: 'newsletter.subscribed', customer: { email: p.email, firstName: 'Erin' }, data: {} }, pk);
    // The public key's answer says nothing, suppressed or not.
    expect(web.status).toBe(202);
    expect(web.body).toEqual({ accepted: true });
    // The business's own event without a consent: still suppressed; by phone too.
    expect((await send({ type: 'contact_form.submitted', customer: { email: p.email }, data: { message: 'hi' } })).body).toMatchObject({ suppressed: true });
    expect((await send({ type: 'contact_form.submitted', customer: { phone: p.phone }, data: { message: 'hi' } })).body).toMatchObject({ suppressed: true });
    expect(await mentioning(p.email, p.phone, p.id)).toEqual([]);

    // Re-importing the row: rejected as suppressed, nothing created.
    const job = await importCsv(`email,first name\n${p.email},Erin\nnew.${uniq()}@example.com,Newbie\n`);
    expect(job.counts).toMatchObject({ rows: 2, created: 1, rejected: 1 });
    expect((await reportRows(job.reportKey!)).some((r) => r.endsWith(`,${SUPPRESSED_REASON}`))).toBe(true);
    expect(await mentioning(p.id)).toEqual([]);
    expect((await call('GET', `/v1/customers?q=${encodeURIComponent(p.email)}`, { key: sk })).body.items).toEqual([]);

    // The business records a new explicit consent with its secret key: the person is back, with a new id.
    const back = await send({ type: 'newsletter.subscribed', customer: { email: p.email }, data: {} });
    expect(back.body).toMatchObject({ created: true });
    expect(back.body.customerId).not.toBe(p.id);
    const card = await call('GET', `/v1/customers/${back.body.customerId}`, { key: sk });
    expect(card.body).toMatchObject({ email: p.email, consent: { newsletter: 'granted' } });
    // The email's suppression is lifted: their next website event joins the same card. The phone was not
    // part of the new consent, so on its own it still names an erased person.
    const byPhone = await send({ type: 'contact_form.submitted', customer: { phone: p.phone }, data: { message: 'hello again' } });
    expect(byPhone.body).toEqual({ created: false, suppressed: true });
    const again = await send({ type: 'contact_form.submitted', customer: { email: p.email }, data: { message: 'me again' } }, pk);
    expect(again.status).toBe(202);
    expect((await call('GET', `/v1/customers/${back.body.customerId}/history`, { key: sk })).body.items[0].data.message).toBe('me again');
  });

  // Verification run: an email typo and an old phone, replaced by a later event, let the erased person's card start again.
  it('suppresses the email and phone the person had before and replaced, not one another customer holds now', async () => {
    const bookingId = `bk-${uniq()}`;
    const [typo, right] = [`rita.${uniq()}@gmial.com`, `rita.${uniq()}@gmail.com`];
    const [oldPhone, newPhone] = ['+39 333 100 0001', '+39 333 100 0002'];
    const data = { bookingId, date: '2026-05-02', time: '20:00', partySize: 2 };
    const id = (await send({ type: 'booking.created', occurredAt: '2026-04-01T10:00:00Z', customer: { email: typo, phone: oldPhone }, data })).body.customerId as string;
    expect((await send({ type: 'booking.updated', occurredAt: '2026-04-02T10:00:00Z', customer: { email: right, phone: newPhone }, data })).body.customerId).toBe(id);
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body).toMatchObject({ email: right, phone: '+393331000002' });
    // Another customer whose old number was given to someone else since: that number is the other person's now.
    const [giver, taker] = [`gino.${uniq()}@example.com`, `tea.${uniq()}@example.com`];
    const g = (await send({ type: 'contact_form.submitted', occurredAt: '2026-04-01T10:00:00Z', customer: { email: giver, phone: '+39 333 100 0003' }, data: { message: 'a' } })).body.customerId as string;
    expect((await send({ type: 'contact_form.submitted', occurredAt: '2026-04-03T10:00:00Z', customer: { email: giver, phone: '+39 333 100 0004' }, data: { message: 'b' } })).body.customerId).toBe(g);
    const t = (await send({ type: 'contact_form.submitted', occurredAt: '2026-04-04T10:00:00Z', customer: { email: taker, phone: '+39 333 100 0003' }, data: { message: 'c' } })).body.customerId as string;
    expect((await call('GET', `/v1/customers/${t}`, { key: sk })).body.phone).toBe('+393331000003');

    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    expect((await call('DELETE', `/v1/customers/${g}`, { key: sk })).status).toBe(204);
    for (const customer of [{ email: right }, { phone: newPhone }, { email: typo }, { phone: oldPhone }, { phone: '+39 333 100 0004' }]) {
      expect((await send({ type: 'contact_form.submitted', customer, data: { message: 'again' } })).body, JSON.stringify(customer)).toEqual({ created: false, suppressed: true });
    }
    // The number the erased customer gave up, held by another customer now, still finds that customer.
    expect((await send({ type: 'contact_form.submitted', customer: { phone: '+39 333 100 0003' }, data: { message: 'Tea again' } })).body).toMatchObject({ customerId: t, created: false });
  });

  // Verification run: a booking update after the erasure, under a new address, started the erased person again.
  it("suppresses the person's bookings and orders: a later event of one is refused whatever address it names, until the business records a new consent", async () => {
    const [bookingId, orderId] = [`bk-${uniq()}`, `o-${uniq()}`];
    const email = `bruna.${uniq()}@example.com`;
    const data = { bookingId, date: '2026-05-02', time: '20:00', partySize: 2 };
    const id = (await send({ type: 'booking.created', occurredAt: '2026-04-01T10:00:00Z', customer: { email }, data })).body.customerId as string;
    await send({ type: 'order.completed', occurredAt: '2026-04-02T10:00:00Z', customer: { email }, data: { orderId, currency: 'EUR', total: 1200, items: [{ sku: 'x', name: 'X', quantity: 1, unitPrice: 1200 }] } });
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);

    const newAddress = `b.${uniq()}@example.com`;
    const refusedUpdate = { eventId: `ev-${uniq()}`, type: 'booking.updated', occurredAt: '2026-04-03T10:00:00Z', customer: { email: newAddress }, data };
    expect((await send(refusedUpdate)).body).toEqual({ created: false, suppressed: true });
    expect((await send({ type: 'order.completed', occurredAt: '2026-04-03T10:00:00Z', customer: { email: newAddress }, data: { orderId, currency: 'EUR', total: 1500, items: [{ sku: 'x', name: 'X', quantity: 1, unitPrice: 1500 }] } })).body).toEqual({ created: false, suppressed: true });
    expect((await call('GET', `/v1/customers?q=${encodeURIComponent(newAddress)}`, { key: sk })).body.items).toEqual([]);
    // The same address with a booking of its own is a customer like any other.
    expect((await send({ type: 'booking.created', occurredAt: '2026-04-04T10:00:00Z', customer: { email: newAddress }, data: { ...data, bookingId: `bk-${uniq()}` } })).body).toMatchObject({ created: true });
    // The business records a new consent with the booking: it is captured, and the booking no longer suppressed.
    const back = await send({ type: 'booking.updated', occurredAt: '2026-04-05T10:00:00Z', customer: { email: `c.${uniq()}@example.com` }, consent: { newsletter: 'granted', wording: 'Sì, voglio la newsletter' }, data });
    expect(back.body, JSON.stringify(back.body)).toMatchObject({ created: true });
    expect((await send({ type: 'booking.completed', occurredAt: '2026-04-06T10:00:00Z', customer: { email: `d.${uniq()}@example.com` }, data: { ...data, amount: 4000, currency: 'EUR' } })).body.customerId).toBe(back.body.customerId);
    // The refused update sent again (same eventId) answers as the first time and changes nothing, though the booking is back.
    const again = await send(refusedUpdate);
    expect(again.body).toEqual({ created: false, suppressed: true });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await call('GET', `/v1/customers?q=${encodeURIComponent(newAddress)}`, { key: sk })).body.items.map((c: { id: string }) => c.id)).not.toContain(back.body.customerId);
    const history = (await call('GET', `/v1/customers/${back.body.customerId}/history?limit=100`, { key: sk })).body.items as { type: string }[];
    expect(history.map((h) => h.type).sort()).toEqual(['booking.completed', 'booking.updated']);
  });

  it('erases by email with DELETE /v1/customers?email=', async () => {
    const email = `by.email.${uniq()}@example.com`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { email, firstName: 'Bea' } });
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(email.toUpperCase())}`, { key: sk })).status).toBe(204);
    expect((await call('GET', `/v1/customers/${created.body.id}`, { key: sk })).status).toBe(404);
    expect(await mentioning(email, created.body.id)).toEqual([]);
    // Asked again (the person's second request): a 404 that says the email is an erased person's.
    const again = await call('DELETE', `/v1/customers?email=${encodeURIComponent(email)}`, { key: sk });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ suppressed: true, detail: 'No customer has this email: it belongs to a person erased before' });
    // An email nobody ever had: a plain 404.
    const never = await call('DELETE', `/v1/customers?email=${encodeURIComponent(`never.${uniq()}@example.com`)}`, { key: sk });
    expect(never.status).toBe(404);
    expect(never.body.suppressed).toBeUndefined();
    const missing = await call('DELETE', '/v1/customers', { key: sk });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('email');
  });

  it('removes the identity conflict that quotes the erased person from another customer’s card', async () => {
    const anna = `anna.${uniq()}@example.com`;
    const xavier = `xavier.${uniq()}@example.com`;
    const xPhone = '+393471234' + String(100 + (n % 900)).padStart(3, '0');
    const a = await send({ type: 'contact_form.submitted', customer: { email: anna }, data: { message: 'ciao' } });
    const x = await send({ type: 'contact_form.submitted', customer: { email: xavier, phone: xPhone }, data: { message: 'ciao' } });
    // Anna's email with Xavier's phone: attached to Anna, with the conflict recorded on her card.
    await send({ type: 'contact_form.submitted', customer: { email: anna, phone: xPhone }, data: { message: 'again' } });
    const before = await call('GET', `/v1/customers/${a.body.customerId}`, { key: sk });
    expect(JSON.stringify(before.body.conflicts)).toContain(x.body.customerId);
    expect((await call('DELETE', `/v1/customers/${x.body.customerId}`, { key: sk })).status).toBe(204);
    expect(await mentioning(x.body.customerId, xavier, xPhone, xPhone.slice(3))).toEqual([]);
    const after = await call('GET', `/v1/customers/${a.body.customerId}`, { key: sk });
    expect(after.status).toBe(200);
    expect(after.body.email).toBe(anna);
  });

  it('erasing the card that recorded the conflict leaves no pointer naming it in the quoted customer’s partition', async () => {
    const pietro = `pietro.${uniq()}@example.com`;
    const anna = `anna.v.${uniq()}@example.com`;
    const phone = '+393389' + String(100000 + (n % 900000)).padStart(6, '0');
    const p = await send({ type: 'contact_form.submitted', customer: { email: pietro, phone }, data: { message: 'ciao' } });
    // Anna's own card, without Pietro's phone: the conflict is recorded on it, a pointer to it left in Pietro's partition.
    const a = await send({ type: 'contact_form.submitted', customer: { email: anna, phone }, data: { message: 'ciao' } });
    expect(a.body.customerId).not.toBe(p.body.customerId);
    expect((await mentioning(a.body.customerId)).some((item) => item.includes('REF#CONFLICT#'))).toBe(true);
    expect((await call('DELETE', `/v1/customers/${a.body.customerId}`, { key: sk })).status).toBe(204);
    expect(await mentioning(a.body.customerId, anna)).toEqual([]);
    expect((await call('GET', `/v1/customers/${p.body.customerId}`, { key: sk })).body).toMatchObject({ email: pietro, phone });
  });

  it('erases a long history in chunks and finishes when an interrupted erasure is sent again', async () => {
    const email = `long.${uniq()}@example.com`;
    const first = await send({ type: 'contact_form.submitted', customer: { email }, data: { message: 'm0' } });
    const id = first.body.customerId as string;
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(Array.from({ length: 25 }, (_, i) => send({ type: 'contact_form.submitted', customer: { email }, occurredAt: `2026-02-01T10:${String(i).padStart(2, '0')}:${String(batch).padStart(2, '0')}Z`, data: { message: `m${batch}-${i}` } })));
    }
    const all = (await mentioning(id)).length;
    expect(all).toBeGreaterThan(450); // 151 history entries + 151 receipts + 151 texts (insights' text collection) + card + lookup

    // The first attempt dies after a few DynamoDB batch writes, halfway through the history: the first page's
    // erased-event marks (4 batch writes), its receipts (4) and a first batch of its items.
    const { dynamoPrivacyStore } = await import('../../shared/store/privacy.store.ts');
    const { eraseCustomer } = await import('../../shared/privacy/erasure.ts');
    let writes = 0;
    const flaky = {
      send: async (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'BatchWriteCommand' && ++writes > 9) throw new Error('Lambda timed out');
        return env.db.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const { errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const reportFiles = errorReports();
    await expect(eraseCustomer({ privacy: dynamoPrivacyStore(flaky, env.tableName, (await import('../../shared/http/stores/secrets.ts')).tenantSecrets()), reportFiles, personalData: personalDataFiles(), tenantId: TENANT, actor: skId }, id)).rejects.toThrow('Lambda timed out');
    const halfway = await mentioning(id);
    expect(halfway.length).toBeGreaterThan(0);
    expect(halfway.length).toBeLessThan(all - 100);
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).status).toBe(200);

    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    expect(await mentioning(id, email)).toEqual([]);
  });
});
