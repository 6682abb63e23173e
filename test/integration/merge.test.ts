import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call } from '../helpers/invoke.ts';
import { useTestEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/** POST /v1/customers/{id}/merge and GET /v1/customers/{id}/duplicates through their handlers, on DynamoDB Local. */
let env: LocalEnv;
let sk: string;
const T = 'trattoria';

beforeAll(async () => {
  env = await useTestEnv();
  sk = await tenantWithSecretKey(T);
  for (const tag of ['Wine', 'Terrace', 'Kids']) await call('POST', '/v1/tags', { key: sk, body: { name: tag } });
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T12:00:00.000Z`;
const send = async (type: string, customer: Record<string, unknown>, data: Record<string, unknown>, occurredAt = at(1)) => {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, type, occurredAt, customer, data } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.customerId as string;
};
const card = async (id: string) => call('GET', `/v1/customers/${id}`, { key: sk });
const merge = (id: string, otherId: string) => call('POST', `/v1/customers/${id}/merge`, { key: sk, body: { otherId } });
async function allHistory(id: string) {
  const items: { id: string; type: string }[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: { id: string; type: string }[]; nextCursor: string | null } } = await call('GET', `/v1/customers/${id}/history?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key: sk });
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}
const partition = async (id: string) =>
  (await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `T#${T}#C#${id}` }, ConsistentRead: true }))).Items ?? [];
const lookupOwner = async (field: 'EMAIL' | 'PHONE', value: string) =>
  (await env.db.send(new GetCommand({ TableName: env.tableName, Key: { pk: `T#${T}#${field}#${value}`, sk: 'ID' }, ConsistentRead: true }))).Item?.customerId;

describe('POST /v1/customers/{id}/merge', () => {
  it('folds the other into the survivor: every history entry, stats counted once, tags, newer consent, lookups, 301', async () => {
    const u = uniq();
    const aEmail = `giulia.${u}@example.com`;
    const bEmail = `g.rossi.${u}@example.org`;
    const bPhone = `+3934${String(Date.now()).slice(-8)}`;
    const shared = `shared-${u}`;
    // Survivor: a completed visit (30.00), a contact form, and the shared booking made by phone.
    const a = await send('booking.created', { email: aEmail, firstName: 'Giulia' }, { bookingId: `a1-${u}`, date: '2026-03-01', time: '20:00', partySize: 2 });
    await send('booking.completed', { email: aEmail }, { bookingId: `a1-${u}`, amount: 3000 }, at(2));
    await send('contact_form.submitted', { email: aEmail }, { message: 'Do you have a terrace?' }, at(3));
    await send('booking.created', { email: aEmail }, { bookingId: shared, date: '2026-03-10', time: '20:00', partySize: 4 }, at(4));
    // Duplicate: an order (20.00), a cancelled booking, a newsletter grant, and the same booking completed (50.00) later.
    const b = await send('order.completed', { email: bEmail, phone: bPhone, lastName: 'Rossi' }, { orderId: `o1-${u}`, currency: 'EUR', total: 2000, items: [{ sku: 'gift', name: 'Gift card', quantity: 1, unitPrice: 2000 }] }, at(2));
    await send('booking.created', { email: bEmail }, { bookingId: `b2-${u}`, date: '2026-03-05', time: '19:00', partySize: 2 }, at(3));
    await send('booking.cancelled', { email: bEmail }, { bookingId: `b2-${u}` }, at(4));
    await send('newsletter.subscribed', { email: bEmail }, {}, at(5));
    await send('booking.completed', { email: bEmail }, { bookingId: shared, amount: 5000 }, at(10));
    expect(a).not.toBe(b);
    await call('PATCH', `/v1/customers/${a}`, { key: sk, body: { tags: ['VIP', 'Wine'] } });
    await call('PATCH', `/v1/customers/${b}`, { key: sk, body: { tags: ['Wine', 'Terrace'] } });
    const historyBefore = [...(await allHistory(a)), ...(await allHistory(b))].map((h) => h.id).sort();
    expect(historyBefore).toHaveLength(9);

    const res = await merge(a, b);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const survivor = (await card(a)).body;
    expect(survivor).toMatchObject({ id: a, email: aEmail, phone: bPhone, firstName: 'Giulia', lastName: 'Rossi', firstContactAt: at(1), lastContactAt: at(10) });
    expect(survivor.tags.sort()).toEqual(['Terrace', 'VIP', 'Wine']);
    expect(survivor.consent).toMatchObject({ newsletter: 'granted' });
    // a1 (visit 30.00) + shared (one booking, completed 50.00) + b2 (cancelled) + o1 (20.00)
    expect(survivor.stats).toMatchObject({ bookings: 3, visits: 2, cancellations: 1, noShows: 0, orders: 1, totalSpent: 10000, averageOrderValue: 3333, lastVisitAt: at(10) });
    expect((await allHistory(a)).map((h) => h.id).sort()).toEqual(historyBefore);
    expect((await partition(a)).filter((i) => String(i.sk).startsWith('CONSENT#'))).toHaveLength(1);

    const gone = await card(b);
    expect(gone.status).toBe(301);
    expect(gone.headers.location).toBe(`/v1/customers/${a}`);
    expect((await partition(b)).map((i) => i.sk)).toEqual(['REDIRECT']);
    expect(await lookupOwner('EMAIL', bEmail)).toBe(a);
    expect(await lookupOwner('PHONE', bPhone)).toBe(a);
    // Searching the address the duplicate had finds the survivor, which has its history now.
    const found = await call('GET', `/v1/customers?q=${encodeURIComponent(bEmail)}`, { key: sk });
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([a]);

    // Events for the other's email now land on the survivor, and its shared booking still counts once.
    expect(await send('message.received', { email: bEmail }, { text: 'See you soon', channel: 'whatsapp' }, at(11))).toBe(a);
    expect(await send('booking.completed', { email: bEmail }, { bookingId: shared, amount: 5000 }, at(12))).toBe(a);
    const after = (await card(a)).body;
    expect(after.stats).toMatchObject({ bookings: 3, visits: 2, totalSpent: 10000 });
    expect(after.history[0].type).toBe('booking.completed');

    // Repeating the merge changes nothing.
    const again = await merge(a, b);
    expect(again.status).toBe(200);
    expect(again.body.stats).toEqual(after.stats);
    expect(again.body.version).toBe(after.version);
    // Merging the survivor into the redirect, or anything into it, is explained.
    expect((await merge(b, a)).status).toBe(409);
  });

  it('moves a history longer than one transaction and finishes a merge that stopped half-way', async () => {
    const u = uniq();
    const a = await send('contact_form.submitted', { email: `long-a-${u}@example.com` }, { message: 'a' });
    const b = await send('contact_form.submitted', { email: `long-b-${u}@example.com` }, { message: 'b' });
    // 230 more history entries for the other, written straight into its partition.
    const extra = Array.from({ length: 230 }, (_, i) => ({
      pk: `T#${T}#C#${b}`,
      sk: `H#2026-02-01T00:00:00.000Z#X${u}${String(i).padStart(4, '0')}`,
      entity: 'history',
      customerId: b,
      id: `X${u}${i}`,
      type: 'message.received',
      occurredAt: '2026-02-01T00:00:00.000Z',
      data: { text: `message ${i}`, channel: 'sms' },
      eventId: `x-${u}-${i}`,
    }));
    for (let i = 0; i < extra.length; i += 25) {
      await env.db.send(new BatchWriteCommand({ RequestItems: { [env.tableName]: extra.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }

    // A merge whose process dies right after the switch-over (before the history moved).
    const { mergeStores } = await import('../../shared/http/stores.ts');
    const { mergeCustomers } = await import('../../shared/events/merge-customers.ts');
    const crashing = { ...mergeStores().merges, moveRest: () => Promise.reject(new Error('function timed out')) };
    await expect(mergeCustomers({ merges: crashing, tenantId: T, timeZone: 'Europe/Rome' }, a, b)).rejects.toThrow('timed out');
    expect((await card(b)).status).toBe(301);

    // Sending the same merge again finishes it.
    const res = await merge(a, b);
    expect(res.status).toBe(200);
    expect(await allHistory(a)).toHaveLength(232);
    expect((await partition(b)).map((i) => i.sk)).toEqual(['REDIRECT']);
  });

  it('refuses a union of more than 9 tags with 409, a merge into itself with 400 and an unknown other with 404', async () => {
    const u = uniq();
    const a = (await call('POST', '/v1/customers', { key: sk, body: { email: `t-a-${u}@example.com`, tags: ['VIP', 'Regular', 'Local', 'Business', 'Influencer'] } })).body.id;
    const b = (await call('POST', '/v1/customers', { key: sk, body: { email: `t-b-${u}@example.com`, tags: ['Friends & Family', 'No-show', 'Problematic', 'Wine', 'Terrace'] } })).body.id;
    const res = await merge(a, b);
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('10 tags');
    expect((await card(b)).status).toBe(200);
    const self = await merge(a, a);
    expect(self.status).toBe(400);
    expect(self.body.errors[0].path).toBe('otherId');
    expect((await merge(a, '01HZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await call('POST', `/v1/customers/${a}/merge`, { key: sk, body: {} })).status).toBe(400);
  });
});

describe('GET /v1/customers/{id}/duplicates', () => {
  it('suggests the same name with a similar email, and a phone that came with this person’s email', async () => {
    const u = uniq();
    const last = `Bianchi${u}`;
    const mk = async (email: string, extra: Record<string, unknown> = {}) =>
      (await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Lúcia', lastName: last, email, ...extra } })).body.id as string;
    const me = await mk(`lucia.bianchi.${u}@gmail.com`);
    const otherDomain = await mk(`lucia.bianchi.${u}@libero.it`);
    const typo = await mk(`lucia.bianchi.${u}@gmial.com`);
    const unrelated = await mk(`zz-${u}@example.net`);
    const phoneOwner = (await call('POST', '/v1/customers', { key: sk, body: { firstName: 'L', email: `other-${u}@example.com`, phone: '+393471234567' } })).body.id as string;
    // An event with my email and the other card's phone: capture records the conflict instead of merging.
    await send('contact_form.submitted', { email: `lucia.bianchi.${u}@gmail.com`, phone: '+39 347 123 4567' }, { message: 'hi' });

    const res = await call('GET', `/v1/customers/${me}/duplicates`, { key: sk });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.items.map((d: { customer: { id: string }; reasons: string[] }) => [d.customer.id, d.reasons]));
    expect(byId[otherDomain]).toEqual(['name-and-email']);
    expect(byId[typo]).toEqual(['name-and-email']);
    expect(byId[phoneOwner]).toEqual(['phone']);
    expect(byId[unrelated]).toBeUndefined();
    expect(byId[me]).toBeUndefined();
    expect((await call('GET', '/v1/customers/01HZZZZZZZZZZZZZZZZZZZZZZZ/duplicates', { key: sk })).status).toBe(404);
  });
});
