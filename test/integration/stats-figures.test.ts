import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { call } from '../helpers/invoke.ts';
import { useLocalEnv } from '../support/aws.ts';

/**
 * The figures of a card as a shop owner reads them through the API, against DynamoDB Local and s3rver:
 * the last visit after a cancellation, the average per purchase beside an imported total (import, undo,
 * merge), and `purchases` on a card only an import made.
 */
let s3: S3Client;
let bucket: string;
let worker: (e: S3Event) => Promise<void>;
let stores: Awaited<typeof import('../../shared/http/stores.ts')>['stores'];
let tenant: string;
let key: string;

beforeAll(async () => {
  const env = await useLocalEnv();
  s3 = env.s3;
  bucket = env.importBucket;
  ({ stores } = await import('../../shared/http/stores.ts'));
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  worker = (await import('../../functions/imports/import-csv.handler.ts')).handler;
  tenant = `stats-${Date.now().toString(36)}`;
  await ensureTenant(stores().tenants, tenant);
  await changeTenant(stores().tenants, tenant, (t) => ({ ...t, timeZone: 'Europe/Rome' }));
  key = (await issueKey(stores().tenants, tenant, 'secret')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = (event: Record<string, unknown>) => call('POST', '/v1/events', { key, body: { eventId: `ev-${uniq()}`, ...event } });
const booking = (type: string, email: string, bookingId: string, occurredAt: string, data: Record<string, unknown> = {}) =>
  send({ type, occurredAt, customer: { email }, data: { bookingId, ...data } });
const order = (email: string, orderId: string, total: number, occurredAt = '2026-06-10T10:00:00Z') =>
  send({ type: 'order.completed', occurredAt, customer: { email }, data: { orderId, currency: 'EUR', total, items: [{ sku: 'pizza', name: 'Pizza', quantity: 1, unitPrice: total }] } });
const stats = async (id: string) => {
  const res = await call('GET', `/v1/customers/${id}`, { key });
  expect(res.status).toBe(200);
  return res.body.stats;
};

/** Uploads through POST /v1/imports and runs the worker on the S3 event, as the import tests do. */
async function importCsv(csv: string, options: Record<string, unknown> = {}) {
  const created = await call('POST', '/v1/imports', { key, body: options });
  expect(created.status).toBe(201);
  const objectKey = `imports/${tenant}/${created.body.importId}.csv`;
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: csv }));
  await worker({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: objectKey, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event);
  const job = await call('GET', `/v1/imports/${created.body.importId}`, { key });
  expect(job.body.status).toBe('completed');
  return job.body;
}

describe('the last visit', () => {
  it("is taken back when the visit is cancelled: the card and the booking brief show the previous visit", async () => {
    const email = `b23.${uniq()}@example.com`;
    const before = await booking('booking.completed', email, `b-1-${uniq()}`, '2026-06-01T20:00:00Z', { amount: 3000 });
    const id = before.body.customerId;
    const bookingId = `b-23-${uniq()}`;
    const done = await booking('booking.completed', email, bookingId, '2026-06-06T21:00:00Z', { amount: 4000 });
    expect(done.body.brief).toMatchObject({ visits: 2, lastVisitAt: '2026-06-06T21:00:00.000Z' });
    const cancelled = await booking('booking.cancelled', email, bookingId, '2026-06-07T09:00:00Z');
    expect(cancelled.body.customerId).toBe(id);
    expect(cancelled.body.brief).toMatchObject({ visits: 1, lastVisitAt: '2026-06-01T20:00:00.000Z' });
    expect(await stats(id)).toMatchObject({ visits: 1, cancellations: 1, totalSpent: 3000, purchases: 1, averageOrderValue: 3000, lastVisitAt: '2026-06-01T20:00:00.000Z' });
  });

  it('becomes null when the only visit is cancelled, and the previous visit when the latest is', async () => {
    const email = `solo.${uniq()}@example.com`;
    const bookingId = `b-23-${uniq()}`;
    const done = await booking('booking.completed', email, bookingId, '2026-06-06T21:00:00Z', { amount: 4000 });
    expect(await stats(done.body.customerId)).toMatchObject({ visits: 1, totalSpent: 4000, lastVisitAt: '2026-06-06T21:00:00.000Z' });
    const cancelled = await booking('booking.cancelled', email, bookingId, '2026-06-07T09:00:00Z');
    expect(cancelled.body.brief).toMatchObject({ visits: 0, lastVisitAt: null });
    expect(await stats(done.body.customerId)).toMatchObject({ visits: 0, cancellations: 1, totalSpent: 0, purchases: 0, averageOrderValue: 0, lastVisitAt: null });

    const regular = `regular.${uniq()}@example.com`;
    const first = await booking('booking.completed', regular, `b-1-${uniq()}`, '2026-05-20T20:00:00Z', { amount: 3000 });
    const latest = `b-2-${uniq()}`;
    await booking('booking.completed', regular, latest, '2026-06-06T21:00:00Z', { amount: 4000 });
    await booking('booking.no_show', regular, latest, '2026-06-07T09:00:00Z');
    expect(await stats(first.body.customerId)).toMatchObject({ visits: 1, noShows: 1, totalSpent: 3000, averageOrderValue: 3000, lastVisitAt: '2026-05-20T20:00:00.000Z' });
  });

  it('is right whatever the delivery order: a cancellation before the completion, an older cancellation after it', async () => {
    const email = `late.${uniq()}@example.com`;
    const bookingId = `b-${uniq()}`;
    const cancelled = await booking('booking.cancelled', email, bookingId, '2026-06-07T09:00:00Z');
    await booking('booking.completed', email, bookingId, '2026-06-06T21:00:00Z', { amount: 4000 });
    expect(await stats(cancelled.body.customerId)).toMatchObject({ visits: 0, cancellations: 1, totalSpent: 0, lastVisitAt: null });

    const other = `early.${uniq()}@example.com`;
    const kept = `b-${uniq()}`;
    const done = await booking('booking.completed', other, kept, '2026-06-06T21:00:00Z', { amount: 4000 });
    await booking('booking.cancelled', other, kept, '2026-06-05T09:00:00Z');
    expect(await stats(done.body.customerId)).toMatchObject({ visits: 1, cancellations: 0, totalSpent: 4000, lastVisitAt: '2026-06-06T21:00:00.000Z' });
  });
});

describe('the average per purchase beside an imported total', () => {
  it('c07: imported with "Totale speso 500,00", then one 20.00 order, averages 20.00; an import-only card has purchases 0', async () => {
    const email = `c07.${uniq()}@example.com`;
    await importCsv(['Email;Nome;Totale speso', `${email};Chiara;500,00`].join('\n'));
    const id = (await stores().customers.findIdByEmail(tenant, email))!;
    expect(await stats(id)).toEqual({ bookings: 0, noShows: 0, cancellations: 0, visits: 0, orders: 0, totalSpent: 50000, averageOrderValue: 0, purchases: 0, importedSpent: 50000, lastVisitAt: null });
    await order(email, `o-${uniq()}`, 2000);
    expect(await stats(id)).toMatchObject({ orders: 1, totalSpent: 52000, importedSpent: 50000, purchases: 1, averageOrderValue: 2000 });
    // The list answers the same figures (and sorts on the whole total).
    const list = await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key });
    expect(list.body.items.find((c: { id: string }) => c.id === id)?.stats).toMatchObject({ totalSpent: 52000, importedSpent: 50000, purchases: 1, averageOrderValue: 2000 });
  });

  it("an overwrite sets the file's total as the card's around the purchases clientela saw; undone, only the imported part goes", async () => {
    const email = `ow.${uniq()}@example.com`;
    const first = await order(email, `o-${uniq()}`, 2000);
    const id = first.body.customerId;
    const job = await importCsv(['Email;Totale speso', `${email};300,00`].join('\n'), { onDuplicate: 'overwrite' });
    expect(job.counts).toMatchObject({ updated: 1 });
    expect(await stats(id)).toMatchObject({ totalSpent: 30000, importedSpent: 28000, purchases: 1, averageOrderValue: 2000 });
    await order(email, `o-${uniq()}`, 1000, '2026-06-11T10:00:00Z');
    expect(await stats(id)).toMatchObject({ totalSpent: 31000, importedSpent: 28000, purchases: 2, averageOrderValue: 1500 });

    const undone = await call('DELETE', `/v1/imports/${job.id}`, { key });
    expect(undone.status).toBe(200);
    expect(undone.body.undo).toMatchObject({ status: 'completed', restored: 1 });
    expect(await stats(id)).toMatchObject({ totalSpent: 3000, importedSpent: 0, purchases: 2, averageOrderValue: 1500 });
  });

  it('a merge adds both imported totals and averages the purchases alone; the last visit is the later one', async () => {
    const [a, b] = [`ma.${uniq()}@example.com`, `mb.${uniq()}@example.com`];
    await importCsv(['Email;Totale speso', `${a};500,00`, `${b};100,00`].join('\n'));
    const ida = (await order(a, `o-${uniq()}`, 2000)).body.customerId;
    const idb = (await booking('booking.completed', b, `b-${uniq()}`, '2026-06-12T20:00:00Z', { amount: 4000 })).body.customerId;
    await booking('booking.completed', a, `b-${uniq()}`, '2026-06-01T20:00:00Z');
    const merged = await call('POST', `/v1/customers/${ida}/merge`, { key, body: { otherId: idb } });
    expect(merged.status).toBe(200);
    expect(await stats(ida)).toMatchObject({
      orders: 1,
      visits: 2,
      totalSpent: 66000,
      importedSpent: 60000,
      purchases: 2,
      averageOrderValue: 3000,
      lastVisitAt: '2026-06-12T20:00:00.000Z',
    });
  });
});
