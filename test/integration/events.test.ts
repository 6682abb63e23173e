import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmLinkIn, mailsTo } from '../helpers/outbox.ts';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, dynamoClient, startDynamo, type DynamoLocal } from '../../local/emulators.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * POST /v1/events and GET /v1/customers/{id}/history through their real handlers, against DynamoDB Local.
 * Each test uses its own people (fresh emails), so tests are independent within one table.
 */
let dynamo: DynamoLocal;
let db: DynamoDBDocumentClient;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const TABLE = 'events-test';
const outbox = mkdtempSync(join(tmpdir(), 'clientela-events-outbox-'));
const ORIGIN = 'https://www.trattoria.example';

beforeAll(async () => {
  dynamo = await startDynamo();
  db = DynamoDBDocumentClient.from(dynamoClient(dynamo.endpoint));
  await createTable(db, TABLE);
  Object.assign(process.env, { TABLE_NAME: TABLE, DYNAMODB_ENDPOINT: dynamo.endpoint, IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', KEY_CACHE_SECONDS: '0', MAIL_OUTBOX_DIR: outbox });
  // Imported after the environment is set: handlers read their configuration once.
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, 'trattoria');
  await changeTenant(stores().tenants, 'trattoria', (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, 'trattoria', 'secret')).key;
  pk = (await issueKey(stores().tenants, 'trattoria', 'publishable')).key;
});

afterAll(async () => {
  await dynamo?.stop();
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const at = (day: number, hour = 12) => `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;

const send = (event: Record<string, unknown>, key = sk, headers: Record<string, string> = {}) =>
  call('POST', '/v1/events', { key, body: { eventId: `ev-${uniq()}`, occurredAt: at(1), ...event }, headers: { host: 'api.test', 'x-forwarded-proto': 'https', ...headers } });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
const contact = (customer: Record<string, unknown>, extra: Record<string, unknown> = {}) => send({ type: 'contact_form.submitted', customer, data: { message: 'Hello' }, ...extra });
const order = (customer: Record<string, unknown>, orderId: string, total: number, extra: Record<string, unknown> = {}) =>
  send({ type: 'order.completed', customer, data: { orderId, currency: 'EUR', total, items: [{ sku: 'pasta', name: 'Pasta', quantity: 1, unitPrice: total }] }, ...extra });
const booking = (type: string, customer: Record<string, unknown>, bookingId: string, occurredAt: string, data: Record<string, unknown> = {}) =>
  send({ type, customer, occurredAt, data: { bookingId, ...data } });
const ledger = async (id: string) =>
  (
    await db.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :p AND begins_with(sk, :c)', ExpressionAttributeValues: { ':p': `T#trattoria#C#${id}`, ':c': 'CONSENT#' } }),
    )
  ).Items ?? [];

describe('POST /v1/events', () => {
  it('creates a new person with the event in the history', async () => {
    const email = `ada.${uniq()}@example.com`;
    const res = await contact({ email: `  ${email.toUpperCase()} `, firstName: 'Ada', phone: '333 123 4567' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ customerId: expect.any(String), created: true });
    const c = await card(res.body.customerId);
    expect(c).toMatchObject({ email, firstName: 'Ada', phone: '+393331234567', firstContactAt: '2026-03-01T12:00:00.000Z', lastContactAt: '2026-03-01T12:00:00.000Z' });
    expect(c.history).toEqual([{ id: expect.any(String), type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00.000Z', data: { message: 'Hello' } }]);
  });

  it('merges a known person found by email, then by phone, filling fields without blanking any', async () => {
    const email = `bea.${uniq()}@example.com`;
    const first = await contact({ email, firstName: 'Bea' });
    const byEmail = await contact({ email, lastName: 'Rossi', phone: '+39 347 000 1111', firstName: '' }, { occurredAt: at(2) });
    expect(byEmail.body).toEqual({ customerId: first.body.customerId, created: false });
    const byPhone = await contact({ phone: '3470001111', city: 'Torino' }, { occurredAt: at(3) });
    expect(byPhone.body).toEqual({ customerId: first.body.customerId, created: false });
    const c = await card(first.body.customerId);
    expect(c).toMatchObject({ firstName: 'Bea', lastName: 'Rossi', email, phone: '+393470001111', city: 'Torino', lastContactAt: '2026-03-03T12:00:00.000Z' });
    expect(c.history.map((h: { occurredAt: string }) => h.occurredAt)).toEqual(['2026-03-03T12:00:00.000Z', '2026-03-02T12:00:00.000Z', '2026-03-01T12:00:00.000Z']);
  });

  it('lets the newer event win a field, whatever the order they arrive in', async () => {
    const email = `cleo.${uniq()}@example.com`;
    await contact({ email, firstName: 'Cleopatra' }, { occurredAt: at(10) });
    const late = await contact({ email, firstName: 'Cleo' }, { occurredAt: at(5) });
    const c = await card(late.body.customerId);
    expect(c).toMatchObject({ firstName: 'Cleopatra', firstContactAt: '2026-03-05T12:00:00.000Z', lastContactAt: '2026-03-10T12:00:00.000Z' });
  });

  it('answers a duplicate eventId with the first answer and counts nothing twice', async () => {
    const email = `dan.${uniq()}@example.com`;
    const event = { eventId: `ev-dup-${uniq()}`, type: 'order.completed', occurredAt: at(4), customer: { email }, data: { orderId: `o-${uniq()}`, currency: 'EUR', total: 4200, items: [{ sku: 'a', name: 'A', quantity: 2, unitPrice: 2100 }] } };
    const a = await call('POST', '/v1/events', { key: sk, body: event });
    const b = await call('POST', '/v1/events', { key: sk, body: event });
    const [c1, c2] = await Promise.all([call('POST', '/v1/events', { key: sk, body: event }), call('POST', '/v1/events', { key: sk, body: event })]);
    expect(a.body).toEqual({ customerId: expect.any(String), created: true });
    for (const r of [b, c1, c2]) expect(r.body).toEqual(a.body);
    const c = await card(a.body.customerId);
    expect(c.stats).toMatchObject({ orders: 1, totalSpent: 4200, averageOrderValue: 4200 });
    expect(c.history).toHaveLength(1);
  });

  it('counts an order once per orderId and averages spend per purchase', async () => {
    const email = `eva.${uniq()}@example.com`;
    // An order's id names it in the whole tenant (docs/api.md): each test's orders and bookings have their own.
    const [o1, o2] = [`o-${uniq()}`, `o-${uniq()}`];
    await order({ email }, o1, 3000);
    await order({ email }, o2, 5000);
    const again = await order({ email }, o1, 3000); // the website re-sent the order with a new eventId
    const c = await card(again.body.customerId);
    expect(c.stats).toMatchObject({ orders: 2, totalSpent: 8000, averageOrderValue: 4000 });
  });

  it('refuses an order in another currency than the tenant', async () => {
    const res = await send({ type: 'order.completed', customer: { email: `x.${uniq()}@example.com` }, data: { orderId: 'o', currency: 'USD', total: 1, items: [{ sku: 'a', name: 'A', quantity: 1, unitPrice: 1 }] } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'data.currency', message: expect.stringContaining('EUR') }]);
  });

  it('counts a booking lifecycle once, and out-of-order delivery ends as in order', async () => {
    const lifecycle = (email: string) => [
      () => booking('booking.created', { email }, `b-1-${email}`, at(1), { date: '2026-03-05', time: '20:30', partySize: 2 }),
      () => booking('booking.updated', { email }, `b-1-${email}`, at(2), { partySize: 4 }),
      () => booking('booking.completed', { email }, `b-1-${email}`, at(5, 23), { amount: 12000 }),
      () => booking('booking.created', { email }, `b-2-${email}`, at(6), { date: '2026-03-07', time: '13:00', partySize: 2 }),
      () => booking('booking.cancelled', { email }, `b-2-${email}`, at(7)),
      () => booking('booking.created', { email }, `b-3-${email}`, at(8), { date: '2026-03-09', time: '13:00', partySize: 2 }),
      () => booking('booking.no_show', { email }, `b-3-${email}`, at(9)),
    ];
    const inOrder = `ord.${uniq()}@example.com`;
    const shuffled = `shuf.${uniq()}@example.com`;
    let id1 = '';
    for (const send of lifecycle(inOrder)) id1 = (await send()).body.customerId;
    let id2 = '';
    for (const i of [4, 2, 6, 0, 5, 1, 3]) id2 = (await lifecycle(shuffled)[i]!()).body.customerId;
    const [a, b] = [await card(id1), await card(id2)];
    // No order, one purchase (the completed booking's amount): the average divides by `purchases`, which the card shows.
    // The last visit is the booking's 20:30 on 5 March in Rome (19:30 UTC), not when its completion arrived.
    const expected = { bookings: 3, visits: 1, cancellations: 1, noShows: 1, orders: 0, totalSpent: 12000, purchases: 1, averageOrderValue: 12000, lastVisitAt: '2026-03-05T19:30:00.000Z' };
    expect(a.stats).toMatchObject(expected);
    expect(b.stats).toEqual(a.stats);
    expect([b.firstContactAt, b.lastContactAt]).toEqual([a.firstContactAt, a.lastContactAt]);
  });

  it('creates exactly one customer, with exact stats, from 20 concurrent events for a new person', async () => {
    const email = `rush.${uniq()}@example.com`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => order({ email, phone: '+39 340 555 0000' }, `o-${i}-${email}`, 1000 + i, { occurredAt: at(1 + (i % 9)) })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const ids = new Set(answers.map((a) => a.body.customerId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.body.created)).toHaveLength(1);
    const c = await card([...ids][0]);
    const total = Array.from({ length: 20 }, (_, i) => 1000 + i).reduce((s, x) => s + x, 0);
    expect(c.stats).toMatchObject({ orders: 20, totalSpent: total, averageOrderValue: Math.round(total / 20) });
    expect(c.firstContactAt).toBe('2026-03-01T12:00:00.000Z');
    expect(c.lastContactAt).toBe('2026-03-09T12:00:00.000Z');
    const history = await call('GET', `/v1/customers/${c.id}/history?limit=100`, { key: sk });
    expect(history.body.items).toHaveLength(20);
  });

  it('attaches an email of one customer and a phone of another to the email, recording the conflict', async () => {
    const email = `gia.${uniq()}@example.com`;
    const phone = '+393401112233';
    const a = await contact({ email });
    const b = await contact({ phone });
    const both = await contact({ email, phone, firstName: 'Gia' }, { occurredAt: at(2) });
    expect(both.body).toEqual({ customerId: a.body.customerId, created: false });
    const ca = await card(a.body.customerId);
    expect(ca.phone).toBeNull();
    expect(ca.firstName).toBe('Gia');
    expect(ca.conflicts).toEqual([expect.objectContaining({ field: 'phone', value: phone, customerId: b.body.customerId })]);
    const cb = await card(b.body.customerId);
    expect(cb.history).toHaveLength(1);
  });

  it("does not join a new email to the card found by the phone when that card has another email: a stranger's sign-up with a real person's phone gathers nothing of theirs", async () => {
    // A stranger, with the site's publishable key, signs up with their own address and a real person's phone.
    const phone = '+393478765432';
    const stranger = await send({ type: 'contact_form.submitted', customer: { email: `mallory.${uniq()}@example.com`, phone, firstName: 'Mallory' }, data: { message: 'Hi' } }, pk, { origin: ORIGIN });
    expect(stranger.status).toBe(202);
    const strangerCard = (await call('GET', `/v1/customers?q=${encodeURIComponent(phone)}`, { key: sk })).body.items[0];
    expect(strangerCard).toMatchObject({ phone, firstName: 'Mallory' });
    // The business then sends the real person's first booking, with her own email and her phone.
    const giulia = `giulia.${uniq()}@example.com`;
    const herBooking = { eventId: `ev-${uniq()}`, type: 'booking.created', occurredAt: at(5), customer: { email: giulia, phone, firstName: 'Giulia' }, data: { bookingId: `bk-${uniq()}`, date: '2026-03-20', time: '20:00', partySize: 2 } };
    const first = await send(herBooking);
    expect(first.body).toMatchObject({ customerId: expect.any(String), created: true });
    expect(first.body.customerId).not.toBe(strangerCard.id);
    const hers = await card(first.body.customerId);
    // Her card, her booking; the phone stays where it is, recorded as a conflict for the business to look at.
    expect(hers).toMatchObject({ email: giulia, firstName: 'Giulia', phone: null, conflicts: [expect.objectContaining({ field: 'phone', value: phone, customerId: strangerCard.id })] });
    expect(hers.history.map((h: { type: string }) => h.type)).toEqual(['booking.created']);
    const theirs = await card(strangerCard.id);
    expect(theirs.history.map((h: { type: string }) => h.type)).toEqual(['contact_form.submitted']);
    expect(theirs).toMatchObject({ firstName: 'Mallory', stats: expect.objectContaining({ bookings: 0 }) });
    // The same event delivered again changes nothing.
    expect((await send(herBooking)).body).toEqual(first.body);
    expect((await card(first.body.customerId)).history).toHaveLength(1);
    expect((await card(strangerCard.id)).history).toHaveLength(1);
    // A booking begun on that card by phone alone stays there when a later event of it names an email: one
    // booking is never counted on two cards.
    const byPhone = `bk-${uniq()}`;
    const created = await booking('booking.created', { phone }, byPhone, at(7), { date: '2026-03-22', time: '20:00', partySize: 2 });
    expect(created.body.customerId).toBe(strangerCard.id);
    const completed = await booking('booking.completed', { email: `ospite.${uniq()}@example.com`, phone }, byPhone, at(8), { amount: 5000 });
    expect(completed.body.customerId).toBe(strangerCard.id);
    const updated = await booking('booking.updated', { phone }, byPhone, at(9), { partySize: 3 });
    expect(updated.body.customerId).toBe(strangerCard.id);
    expect((await card(strangerCard.id)).stats).toMatchObject({ bookings: 1, visits: 1, totalSpent: 5000 });
    // A "call me back" card (a phone, no email) is still found by the phone and gets the email.
    const callMe = '+393478765433';
    const back = await send({ type: 'contact_form.submitted', customer: { phone: callMe }, data: { message: 'Call me back' } }, pk, { origin: ORIGIN });
    expect(back.status).toBe(202);
    const sara = `sara.${uniq()}@example.com`;
    const known = await booking('booking.created', { email: sara, phone: callMe }, `bk-${uniq()}`, at(6), { date: '2026-03-21', time: '13:00', partySize: 4 });
    expect(known.status).toBe(200);
    expect(known.body.created).toBe(false);
    expect(await card(known.body.customerId)).toMatchObject({ email: sara, phone: callMe });
  });

  it('records consent in the ledger: pending with a publishable key until the person confirms, never from a purchase', async () => {
    const email = `hana.${uniq()}@example.com`;
    const bought = await order({ email }, `o-${uniq()}`, 1000);
    expect((await card(bought.body.customerId)).consent.newsletter).toBe('unknown');

    const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
    const sub = await send({ type: 'newsletter.subscribed', customer: { email }, occurredAt: soon(-60_000), data: { wording: 'v3' } }, pk, { origin: ORIGIN });
    expect(sub.status).toBe(202);
    expect(sub.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(sub.body).toEqual({ accepted: true });
    expect((await card(bought.body.customerId)).consent).toMatchObject({ newsletter: 'pending', source: 'newsletter.subscribed' });

    // The link reaches the person by mail, on this API's own host.
    const link = confirmLinkIn(mailsTo(outbox, email)[0] ?? '')!;
    expect(link).toMatch(/^https:\/\/api\.test\/v1\/consent\/confirm\?token=/);
    const token = new URL(link).searchParams.get('token')!;
    const forged = await call('POST', `/v1/consent/confirm?token=${token.slice(0, -3)}abc`);
    expect(forged.status).toBe(400);
    const confirmed = await call('POST', `/v1/consent/confirm?token=${token}`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({ confirmed: true });
    expect((await card(bought.body.customerId)).consent).toMatchObject({ newsletter: 'granted', source: 'double-opt-in' });

    await send({ type: 'newsletter.unsubscribed', customer: { email }, occurredAt: soon(1000), data: {} });
    const entries = await ledger(bought.body.customerId);
    expect(entries.map((e) => [e.status, e.source.type])).toEqual([
      ['pending', 'newsletter.subscribed'],
      ['granted', 'double-opt-in'],
      ['denied', 'newsletter.unsubscribed'],
    ]);
    expect(entries[0]).toMatchObject({ wording: 'v3', source: { origin: ORIGIN, eventId: expect.any(String) } });
    expect((await card(bought.body.customerId)).consent.newsletter).toBe('denied');
  });

  it('grants directly when the business sends consent with its secret key', async () => {
    const res = await contact({ email: `ivo.${uniq()}@example.com` }, { consent: { newsletter: 'granted', wording: 'footer-2026' } });
    expect(res.body.confirmUrl).toBeUndefined();
    expect((await card(res.body.customerId)).consent).toMatchObject({ newsletter: 'granted', source: 'contact_form.submitted' });
    expect(await ledger(res.body.customerId)).toEqual([expect.objectContaining({ status: 'granted', wording: 'footer-2026' })]);
  });

  it('refuses bad input with problem+json naming each field', async () => {
    const res = await send({ type: 'booking.created', customer: { email: 'not-an-email' }, data: { date: '2026-13-01', time: '20:00', partySize: 2 } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['data.bookingId', 'data.date']));
    const email = await send({ type: 'contact_form.submitted', customer: { email: 'nope' }, data: { message: 'x' } });
    expect(email.body.errors).toEqual([{ path: 'customer.email', message: 'is not a valid email address' }]);
    const unknown = await send({ type: 'booking.exploded', customer: { email: 'a@b.it' }, data: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('type');
    const future = await contact({ email: 'a@b.it' }, { occurredAt: '2999-01-01T00:00:00Z' });
    expect(future.body.errors).toEqual([{ path: 'occurredAt', message: 'is in the future (at most one day ahead is accepted)' }]);
  });

  it('keeps data nested as deep as allowed and refuses it one level deeper, with either key', async () => {
    const { MAX_DATA_DEPTH } = await import('../../shared/events/event.schema.ts');
    /** `{ a: [[…[1]…]] }`, nested `levels` deep counting itself. */
    const nested = (levels: number) => {
      let v: unknown = 1;
      for (let i = 1; i < levels; i++) v = [v];
      return { a: v };
    };
    const email = `deep.${uniq()}@example.com`;
    const kept = await send({ type: 'custom.x', customer: { email }, data: nested(MAX_DATA_DEPTH) });
    expect(kept.status).toBe(200);
    expect((await card(kept.body.customerId)).history[0]).toMatchObject({ type: 'custom.x', data: nested(MAX_DATA_DEPTH) });
    const problem = { path: 'data', message: `may be nested at most ${MAX_DATA_DEPTH} levels deep (objects and arrays, counting data itself)` };
    // One level over the limit, and the depth DynamoDB itself refuses (a 500 before the limit).
    for (const levels of [MAX_DATA_DEPTH + 1, 32]) {
      const custom = await send({ type: 'custom.x', customer: { email }, data: nested(levels) });
      expect(custom.status).toBe(400);
      expect(custom.headers['content-type']).toBe('application/problem+json');
      expect(custom.body.errors).toEqual([problem]);
      const message = await send({ type: 'message.received', customer: { email }, data: { text: 'ciao', channel: 'website', ...nested(levels) } }, pk, { origin: ORIGIN });
      expect(message.status).toBe(400);
      expect(message.body.errors).toEqual([problem]);
    }
    expect((await card(kept.body.customerId)).history).toHaveLength(1);
  });

  it('refuses a publishable key from a foreign origin', async () => {
    const res = await send({ type: 'contact_form.submitted', customer: { email: 'a@b.it' }, data: { message: 'x' } }, pk, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });
});

describe('rate limits for publishable keys', () => {
  it('counts per client IP and per key in fixed windows', async () => {
    const { enforceRateLimit } = await import('../../shared/events/rate-limit.ts');
    const { eventStores } = await import('../../shared/http/stores.ts');
    const limits = { windowSeconds: 60, perIp: 3, perKey: 5 };
    const now = new Date('2026-03-01T10:00:15Z');
    const hit = (ip: string, t = now) => enforceRateLimit(eventStores().events, { tenantId: 'trattoria', keyId: `k-${now.getTime()}`, ip, now: t }, limits);
    for (let i = 0; i < 3; i++) await hit('10.0.0.1');
    await expect(hit('10.0.0.1')).rejects.toMatchObject({ status: 429, retryAfterSeconds: 45 });
    await hit('10.0.0.2');
    await expect(hit('10.0.0.3')).rejects.toMatchObject({ status: 429 }); // sixth request of the key
    await hit('10.0.0.1', new Date('2026-03-01T10:01:00Z')); // a new window
  });

  it('answers 429 with Retry-After once one address sends too much', async () => {
    let res: Reply | undefined;
    for (let i = 0; i < 65 && res?.status !== 429; i++) res = await call('POST', '/v1/events', { key: pk, body: {}, headers: { origin: ORIGIN } });
    expect(res!.status).toBe(429);
    expect(Number(res!.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('GET /v1/customers/{id}/history', () => {
  it('pages through every entry, newest first', async () => {
    const email = `jo.${uniq()}@example.com`;
    let id = '';
    for (const day of [3, 1, 5, 2, 4]) id = (await contact({ email }, { occurredAt: at(day) })).body.customerId;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call('GET', `/v1/customers/${id}/history?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: sk });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((h: { occurredAt: string }) => h.occurredAt.slice(8, 10)));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['05', '04', '03', '02', '01']);
  });

  it('answers 404 for an unknown customer and 400 for a bad cursor or limit', async () => {
    expect((await call('GET', '/v1/customers/01NOPE/history', { key: sk })).status).toBe(404);
    const id = (await contact({ email: `k.${uniq()}@example.com` })).body.customerId;
    expect((await call('GET', `/v1/customers/${id}/history?cursor=garbage`, { key: sk })).body.errors[0].path).toBe('cursor');
    expect((await call('GET', `/v1/customers/${id}/history?limit=101`, { key: sk })).body.errors[0].path).toBe('limit');
    expect((await call('GET', `/v1/customers/${id}/history`, { key: pk, headers: { origin: ORIGIN } })).status).toBe(403);
  });
});
