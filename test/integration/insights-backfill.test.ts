import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * The backfill migration (shared/store/insights-backfill.ts, `npm run insights -- --backfill`) against
 * DynamoDB Local. The same events go through POST /v1/events to two tenants; in "before" everything the
 * insights added is then taken away (purchase collection, monthly counters, the cards' purchaseMonths and
 * newIn), which is what a tenant's table held before the purchase collection existed: cards, history,
 * booking/order states. The backfill must bring back what the event path wrote in "after" — and a second
 * run must change nothing.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
const BEFORE = 'backfill-before';
const AFTER = 'backfill-after';
const keyOf: Record<string, string> = {};

const order = (mail: string, occurredAt: string, orderId: string, total: number) => ({
  type: 'order.completed',
  occurredAt,
  customer: { email: mail },
  data: { orderId, currency: 'EUR', total, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: total }] },
});
const bookingEvent = (type: string, mail: string, occurredAt: string, bookingId: string, data: Record<string, unknown> = {}) => ({ type, occurredAt, customer: { email: mail }, data: { bookingId, ...data } });

/** A few months of a small restaurant: repeat orders, a corrected total, paid and unpaid visits, a no-show. */
const EVENTS = [
  order('anna@example.it', '2026-01-10T12:00:00Z', 'a1', 2500),
  order('anna@example.it', '2026-02-14T19:30:00Z', 'a2', 4000),
  order('anna@example.it', '2026-02-20T19:30:00Z', 'a3', 1800),
  // 22:30 UTC on 31 March is 1 April in Rome: an April order.
  order('anna@example.it', '2026-03-31T22:30:00Z', 'a4', 3000),
  order('bruno@example.it', '2026-02-01T12:00:00Z', 'b1', 1200),
  order('bruno@example.it', '2026-02-01T13:00:00Z', 'b1', 1500), // the same order, corrected
  bookingEvent('booking.created', 'bruno@example.it', '2026-02-20T10:00:00Z', 'bk1', { date: '2026-03-05', time: '20:00', partySize: 2 }),
  bookingEvent('booking.completed', 'bruno@example.it', '2026-03-05T21:30:00Z', 'bk1', { amount: 6000 }),
  bookingEvent('booking.created', 'carla@example.it', '2026-03-01T10:00:00Z', 'bk2', { date: '2026-03-10', time: '20:00', partySize: 4 }),
  bookingEvent('booking.no_show', 'carla@example.it', '2026-03-10T21:00:00Z', 'bk2'),
  bookingEvent('booking.created', 'carla@example.it', '2026-03-12T10:00:00Z', 'bk3', { date: '2026-04-02', time: '20:00', partySize: 2 }),
  bookingEvent('booking.completed', 'carla@example.it', '2026-04-02T21:00:00Z', 'bk3', { amount: 5000 }),
  bookingEvent('booking.cancelled', 'carla@example.it', '2026-04-03T09:00:00Z', 'bk3'), // cancelled afterwards: no purchase
  bookingEvent('booking.created', 'dario@example.it', '2026-04-01T10:00:00Z', 'bk4', { date: '2026-04-20', time: '13:00', partySize: 2 }),
];

async function tableItems(pk: string) {
  const out: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true, ExclusiveStartKey }));
    out.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** What the insights hold for a tenant, with customer ids replaced by emails (the two tenants' ids differ). */
async function insightsState(tenantId: string) {
  const { insightKeys, keys } = await import('../../shared/store/keys.ts');
  const { CUSTOMER_SHARDS } = await import('../../shared/store/table.ts');
  const list = await call('GET', '/v1/customers?limit=100', { key: keyOf[tenantId] });
  const cards = list.body.items as { id: string; email: string }[];
  const emailOf = new Map(cards.map((c) => [c.id, c.email]));
  const purchases: unknown[] = [];
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    for (const p of await tableItems(insightKeys.purchasesPk(tenantId, shard))) purchases.push([emailOf.get(p.customerId as string), p.kind, p.id, p.at, p.amount]);
  }
  const byCard: Record<string, unknown> = {};
  for (const c of cards) {
    const { Item } = await env.db.send(new GetCommand({ TableName: env.tableName, Key: keys.customerCard(tenantId, c.id), ConsistentRead: true }));
    byCard[c.email] = { purchaseMonths: Item?.purchaseMonths, newIn: Item?.newIn, version: Item?.version };
  }
  const summary = await call('GET', '/v1/insights/summary', { key: keyOf[tenantId] });
  expect(summary.status).toBe(200);
  return { purchases: (purchases as string[][]).sort(), cards: byCard, months: summary.body.months as Record<string, unknown>[] };
}

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  for (const t of [BEFORE, AFTER]) {
    await ensureTenant(stores().tenants, t);
    keyOf[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
  let n = 0;
  for (const event of EVENTS) {
    for (const t of [BEFORE, AFTER]) {
      const res = await call('POST', '/v1/events', { key: keyOf[t], body: { eventId: `bf${n++}`, ...event } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  }
  // "before": the table as it was before the purchase collection existed.
  const { insightKeys, keys } = await import('../../shared/store/keys.ts');
  const { CUSTOMER_SHARDS } = await import('../../shared/store/table.ts');
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    for (const pk of [insightKeys.purchasesPk(BEFORE, shard), insightKeys.monthsPk(BEFORE, shard)]) {
      for (const i of await tableItems(pk)) await env.db.send(new DeleteCommand({ TableName: env.tableName, Key: { pk: i.pk, sk: i.sk } }));
    }
  }
  for (const c of (await call('GET', '/v1/customers?limit=100', { key: keyOf[BEFORE] })).body.items as { id: string }[]) {
    await env.db.send(new UpdateCommand({ TableName: env.tableName, Key: keys.customerCard(BEFORE, c.id), UpdateExpression: 'REMOVE purchaseMonths, newIn' }));
  }
}, LONG_TIMEOUT_MS);

describe('insights backfill (npm run insights -- --backfill)', () => {
  it('writes the purchase collection, the cards’ purchase months and the monthly counters the event path wrote', async () => {
    const stripped = await insightsState(BEFORE);
    expect(stripped.purchases).toEqual([]);
    expect(stripped.months).toEqual([]);

    const { backfillPurchases } = await import('../../shared/store/insights-backfill.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    const tenant = (await stores().tenants.getTenant(BEFORE))!;
    const done = await backfillPurchases(env.db, env.tableName, tenant);
    expect(done).toMatchObject({ customers: 4, purchases: 6 });

    const [filled, expected] = await Promise.all([insightsState(BEFORE), insightsState(AFTER)]);
    // Purchases: the same ones, under the same people (the backfill has no line items: states never kept them).
    expect(filled.purchases).toEqual(expected.purchases);
    expect(filled.purchases).toHaveLength(6);
    expect(filled.months).toEqual(expected.months);
    expect(filled.months.map((m) => m.month)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04']);
    for (const [mail, card] of Object.entries(expected.cards)) {
      expect((filled.cards[mail] as { purchaseMonths: unknown }).purchaseMonths ?? {}, mail).toEqual((card as { purchaseMonths: unknown }).purchaseMonths ?? {});
      expect((filled.cards[mail] as { newIn: unknown }).newIn, mail).toEqual((card as { newIn: unknown }).newIn);
    }
  });

  it('run again, changes nothing', async () => {
    const once = await insightsState(BEFORE);
    const { backfillPurchases } = await import('../../shared/store/insights-backfill.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    await backfillPurchases(env.db, env.tableName, (await stores().tenants.getTenant(BEFORE))!);
    // Card versions included: a card already up to date is not written again.
    expect(await insightsState(BEFORE)).toEqual(once);
  });

  it('after the backfill, new events count on top of it exactly as on a tenant that always had insights', async () => {
    for (const t of [BEFORE, AFTER]) {
      const res = await call('POST', '/v1/events', { key: keyOf[t], body: { eventId: `late-${t}`, ...order('dario@example.it', '2026-05-02T12:00:00Z', 'd1', 2200) } });
      expect(res.status).toBe(200);
      const again = await call('POST', '/v1/events', { key: keyOf[t], body: { eventId: `late2-${t}`, ...order('anna@example.it', '2026-05-03T12:00:00Z', 'a5', 2700) } });
      expect(again.status).toBe(200);
    }
    const [filled, expected] = await Promise.all([insightsState(BEFORE), insightsState(AFTER)]);
    expect(filled.months).toEqual(expected.months);
    expect(filled.purchases).toEqual(expected.purchases);
  });
});
