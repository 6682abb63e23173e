import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import { itemsHolding as itemsInTable } from '../helpers/table-scan.ts';

/**
 * POST /v1/events through the real handlers, against DynamoDB Local: two first events of one new booking
 * (or order) naming different emails, sent at the same instant. Whatever the interleaving, one card holds
 * the booking and counts it once; the other event joins that card as it would if sent afterwards.
 * Each try uses a fresh booking and fresh people; a pair is sent together (Promise.all), many times, since
 * one try may by chance run one after the other.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
const TENANT = 'claims';
const TRIES = 24;

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT);
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const send = (event: Record<string, unknown>) => call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, ...event } });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
const history = async (id: string) => (await call('GET', `/v1/customers/${id}/history?limit=100`, { key: sk })).body.items as { type: string; data: Record<string, unknown> }[];
/** The cards the customer list finds for an email (what the business sees searching it). */
const cardsOf = async (email: string) => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items as { id: string }[];

/** Every item of the table holding one of `needles`, as JSON text (what a raw scan would show). */
const itemsHolding = (...needles: string[]) => itemsInTable(env.db, env.tableName, ...needles);

/** Every card either email leads to, and each answer's customer id: one card in all when the booking is held once. */
async function outcome(replies: Reply[], emails: string[]) {
  for (const r of replies) expect(r.status, JSON.stringify(r.body)).toBe(200);
  const answered = new Set(replies.map((r) => r.body.customerId as string));
  const listed = new Set((await Promise.all(emails.map(cardsOf))).flat().map((c) => c.id));
  return { answered, listed, ids: new Set([...answered, ...listed]) };
}

describe('two first events of one new booking, different emails, at the same instant', () => {
  it('one card holds the booking and counts it once, every try', async () => {
    for (let i = 0; i < TRIES; i++) {
      const bookingId = `bk-${uniq()}`;
      const [a, b] = [`anna.${uniq()}@example.com`, `bruno.${uniq()}@example.com`];
      const data = { bookingId, date: '2026-03-20', time: '20:00', partySize: 2 };
      const replies = await Promise.all([
        send({ type: 'booking.created', occurredAt: '2026-03-01T10:00:00Z', customer: { email: a, firstName: 'Anna' }, data }),
        send({ type: 'booking.updated', occurredAt: '2026-03-01T10:05:00Z', customer: { email: b, firstName: 'Bruno' }, data }),
      ]);
      const { ids } = await outcome(replies, [a, b]);
      expect([...ids], `try ${i}: the booking's events landed on ${ids.size} cards`).toHaveLength(1);
      const id = [...ids][0]!;
      const c = await card(id);
      expect(c.stats.bookings, `try ${i}`).toBe(1);
      // Both events are on the card's timeline, each once.
      expect((await history(id)).map((h) => h.type).sort()).toEqual(['booking.created', 'booking.updated']);
      // As when sent one after the other: the booking's newer event brings its corrected email.
      expect(c.email, `try ${i}`).toBe(b);
    }
  });

  it('an order: one card holds it and counts its total once, every try', async () => {
    for (let i = 0; i < TRIES; i++) {
      const orderId = `o-${uniq()}`;
      const [a, b] = [`carla.${uniq()}@example.com`, `dario.${uniq()}@example.com`];
      const data = { orderId, currency: 'EUR', total: 3100, items: [{ sku: 'wine', name: 'Wine', quantity: 1, unitPrice: 3100 }] };
      const replies = await Promise.all([
        send({ type: 'order.completed', occurredAt: '2026-03-02T10:00:00Z', customer: { email: a }, data }),
        send({ type: 'order.completed', occurredAt: '2026-03-02T10:00:00Z', customer: { email: b }, data }),
      ]);
      const { ids } = await outcome(replies, [a, b]);
      expect([...ids], `try ${i}: the order landed on ${ids.size} cards`).toHaveLength(1);
      const c = await card([...ids][0]!);
      expect(c.stats, `try ${i}`).toMatchObject({ orders: 1, totalSpent: 3100 });
    }
  });

  it('a duplicate delivery racing the pair changes nothing twice', async () => {
    for (let i = 0; i < TRIES / 2; i++) {
      const bookingId = `bk-${uniq()}`;
      const [a, b] = [`elena.${uniq()}@example.com`, `fabio.${uniq()}@example.com`];
      const data = { bookingId, date: '2026-03-21', time: '13:00', partySize: 4 };
      const first = { eventId: `ev-${uniq()}`, type: 'booking.created', occurredAt: '2026-03-03T09:00:00Z', customer: { email: a }, data };
      const replies = await Promise.all([
        send(first),
        send(first),
        send({ type: 'booking.updated', occurredAt: '2026-03-03T09:30:00Z', customer: { email: b }, data: { ...data, partySize: 5 } }),
      ]);
      // The duplicate answers what the first delivery answered.
      expect(replies[1]!.body).toEqual(replies[0]!.body);
      const { ids } = await outcome(replies, [a, b]);
      expect([...ids], `try ${i}`).toHaveLength(1);
      const id = [...ids][0]!;
      expect((await card(id)).stats.bookings).toBe(1);
      expect((await history(id)).map((h) => h.type).sort()).toEqual(['booking.created', 'booking.updated']);
    }
  });
});

describe('the claim of a booking outlives no card that held it', () => {
  const data = (bookingId: string) => ({ bookingId, date: '2026-04-02', time: '19:00', partySize: 2 });

  // The erased person's booking is suppressed with them (erasure.test.ts); the business brings it back by recording a new consent.
  it('erasing the card leaves nothing naming it, and the booking sent again with a new consent starts on one card, counted once', async () => {
    const bookingId = `bk-${uniq()}`;
    const first = await send({ type: 'booking.created', occurredAt: '2026-03-05T10:00:00Z', customer: { email: `gina.${uniq()}@example.com` }, data: data(bookingId) });
    const gone = first.body.customerId as string;
    expect((await call('DELETE', `/v1/customers/${gone}`, { key: sk })).status).toBe(204);
    expect(await itemsHolding(gone)).toEqual([]);
    const [c, d] = [`ivo.${uniq()}@example.com`, `lia.${uniq()}@example.com`];
    const replies = await Promise.all([
      send({ type: 'booking.updated', occurredAt: '2026-03-06T10:00:00Z', customer: { email: c }, consent: { newsletter: 'granted', wording: 'Sì' }, data: data(bookingId) }),
      send({ type: 'booking.updated', occurredAt: '2026-03-06T11:00:00Z', customer: { email: d }, consent: { newsletter: 'granted', wording: 'Sì' }, data: data(bookingId) }),
    ]);
    const { ids } = await outcome(replies, [c, d]);
    expect([...ids]).toHaveLength(1);
    expect([...ids]).not.toContain(gone);
    expect((await card([...ids][0]!)).stats.bookings).toBe(1);
  });

  it('a claim left naming a card that no longer holds the booking (an erasure cut short) is taken over once', async () => {
    const { eventKeys } = await import('../../shared/store/keys.ts');
    const bookingId = `bk-${uniq()}`;
    const Key = eventKeys.subjectClaim(TENANT, 'booking', bookingId);
    await env.db.send(new PutCommand({ TableName: env.tableName, Item: { ...Key, entity: 'subjectClaim', kind: 'booking', customerId: 'gone-card' } }));
    const [c, d] = [`olga.${uniq()}@example.com`, `pia.${uniq()}@example.com`];
    const replies = await Promise.all([
      send({ type: 'booking.created', occurredAt: '2026-03-08T10:00:00Z', customer: { email: c }, data: data(bookingId) }),
      send({ type: 'booking.updated', occurredAt: '2026-03-08T10:30:00Z', customer: { email: d }, data: data(bookingId) }),
    ]);
    const { ids } = await outcome(replies, [c, d]);
    expect([...ids]).toHaveLength(1);
    const id = [...ids][0]!;
    expect((await card(id)).stats.bookings).toBe(1);
    expect((await env.db.send(new GetCommand({ TableName: env.tableName, Key, ConsistentRead: true }))).Item?.customerId).toBe(id);
  });

  it('a booking merged onto another card stays there; erasing that card leaves nothing naming either card', async () => {
    const bookingId = `bk-${uniq()}`;
    const other = (await send({ type: 'booking.created', occurredAt: '2026-03-07T10:00:00Z', customer: { email: `marta.${uniq()}@example.com` }, data: data(bookingId) })).body.customerId as string;
    const survivor = (await send({ type: 'contact_form.submitted', occurredAt: '2026-03-07T11:00:00Z', customer: { email: `marta.b.${uniq()}@example.com` }, data: { message: 'Hi' } })).body.customerId as string;
    expect((await call('POST', `/v1/customers/${survivor}/merge`, { key: sk, body: { otherId: other } })).status).toBe(200);
    // The booking's claim still names the merged-away card; its next event, under a new email, finds the survivor.
    const later = await send({ type: 'booking.completed', occurredAt: '2026-04-02T21:00:00Z', customer: { email: `nico.${uniq()}@example.com` }, data: { ...data(bookingId), amount: 5000, currency: 'EUR' } });
    expect(later.body.customerId).toBe(survivor);
    expect((await card(survivor)).stats).toMatchObject({ bookings: 1, visits: 1 });
    expect((await call('DELETE', `/v1/customers/${survivor}`, { key: sk })).status).toBe(204);
    expect(await itemsHolding(survivor, other)).toEqual([]);
  });

  // A merge racing the booking's next event (verification run: 1 try in 4–16 made a third card holding the
  // booking): the claim names the merged-away card, and the index does not list the survivor yet.
  it('right after a merge, before the index lists the survivor: the next event follows the merge to the survivor', async () => {
    const { eventKeys } = await import('../../shared/store/keys.ts');
    const bookingId = `bk-${uniq()}`;
    const other = (await send({ type: 'booking.created', occurredAt: '2026-03-07T10:00:00Z', customer: { email: `olga.${uniq()}@example.com` }, data: data(bookingId) })).body.customerId as string;
    const survivor = (await send({ type: 'contact_form.submitted', occurredAt: '2026-03-07T11:00:00Z', customer: { email: `olga.b.${uniq()}@example.com` }, data: { message: 'Hi' } })).body.customerId as string;
    expect((await call('POST', `/v1/customers/${survivor}/merge`, { key: sk, body: { otherId: other } })).status).toBe(200);
    // As if the index had not caught up: the survivor's booking state is not listed under the booking yet.
    const stateKey = eventKeys.bookingState(TENANT, survivor, bookingId);
    await env.db.send(new UpdateCommand({ TableName: env.tableName, Key: stateKey, UpdateExpression: 'REMOVE gsi4pk, gsi4sk', ConditionExpression: 'attribute_exists(pk)' }));
    const later = await send({ type: 'booking.completed', occurredAt: '2026-04-02T21:00:00Z', customer: { email: `olga.c.${uniq()}@example.com` }, data: { ...data(bookingId), amount: 5000, currency: 'EUR' } });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    expect(later.body).toMatchObject({ customerId: survivor, created: false });
    expect((await card(survivor)).stats).toMatchObject({ bookings: 1, visits: 1, totalSpent: 5000 });
  });

  it('while the merge is still moving the booking to the survivor, the next event waits for it instead of starting a new card', async () => {
    const { eventKeys } = await import('../../shared/store/keys.ts');
    const bookingId = `bk-${uniq()}`;
    const other = (await send({ type: 'booking.created', occurredAt: '2026-03-07T10:00:00Z', customer: { email: `pia.${uniq()}@example.com` }, data: data(bookingId) })).body.customerId as string;
    const survivor = (await send({ type: 'contact_form.submitted', occurredAt: '2026-03-07T11:00:00Z', customer: { email: `pia.b.${uniq()}@example.com` }, data: { message: 'Hi' } })).body.customerId as string;
    expect((await call('POST', `/v1/customers/${survivor}/merge`, { key: sk, body: { otherId: other } })).status).toBe(200);
    // The survivor does not hold the booking yet (the merge's move is under way); it arrives a moment later.
    const stateKey = eventKeys.bookingState(TENANT, survivor, bookingId);
    const state = (await env.db.send(new GetCommand({ TableName: env.tableName, Key: stateKey, ConsistentRead: true }))).Item!;
    await env.db.send(new DeleteCommand({ TableName: env.tableName, Key: stateKey }));
    const later = send({ type: 'booking.completed', occurredAt: '2026-04-02T21:00:00Z', customer: { email: `pia.c.${uniq()}@example.com` }, data: { ...data(bookingId), amount: 5000, currency: 'EUR' } });
    await new Promise((r) => setTimeout(r, 200));
    await env.db.send(new PutCommand({ TableName: env.tableName, Item: state }));
    const reply = await later;
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ customerId: survivor, created: false });
    expect((await card(survivor)).stats).toMatchObject({ bookings: 1, visits: 1, totalSpent: 5000 });
  });
});
