import { beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { RecomputeDeps } from '../../shared/insights/recompute.ts';

/**
 * A refund is how a shop corrects an order: `order.completed` again, same orderId, new eventId, the new total,
 * sent days later (docs/api.md, Events). It changes what the order was worth, never when it was bought: the
 * months (GET /v1/insights/summary) change the order's own month by the difference, and a recompute (as of a
 * moment before the refund, or after it) sees the purchase on its day. Events through POST /v1/events against
 * DynamoDB Local, the recompute's steps run in the state machine's order, as of a chosen moment.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
});

const send = async (key: string, eventId: string, email: string, occurredAt: string, orderId: string, total: number, sku = 'MENU') => {
  const res = await call('POST', '/v1/events', {
    key,
    body: { eventId, type: 'order.completed', occurredAt, customer: { email }, data: { orderId, currency: 'EUR', total, items: [{ sku, name: sku, quantity: 1, unitPrice: total }] } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.customerId as string;
};

const ZERO = { orders: 0, revenue: 0, returningCustomers: 0, newCustomers: 0 };
async function months(key: string) {
  const res = await call('GET', '/v1/insights/summary', { key });
  expect(res.status).toBe(200);
  const by: Record<string, typeof ZERO> = {};
  for (const m of res.body.months as ({ month: string } & typeof ZERO)[]) by[m.month] = { orders: m.orders, revenue: m.revenue, returningCustomers: m.returningCustomers, newCustomers: m.newCustomers };
  return (month: string) => by[month] ?? ZERO;
}

async function card(key: string, id: string) {
  const res = await call('GET', `/v1/customers/${id}`, { key });
  expect(res.status).toBe(200);
  return res.body;
}

/** One recompute as of `asOf`, its steps in the state machine's order (as insights-erasure-summary runs them). */
async function recomputeAsOf(tenantId: string, asOf: string) {
  const { dynamoInsightsStore } = await import('../../shared/store/insights.store.ts');
  const { s3ObjectStore } = await import('../../shared/import/object-store.ts');
  const { stores } = await import('../../shared/http/stores.ts');
  const steps = await import('../../shared/insights/recompute.ts');
  const { ulid } = await import('ulid');
  const d: RecomputeDeps = { insights: dynamoInsightsStore(env.db, env.tableName), getTenant: (id) => stores().tenants.getTenant(id), files: s3ObjectStore(env.s3), bucket: env.exportBucket };
  const id = ulid();
  await d.insights.createRecompute(tenantId, { id, status: 'pending', asOf, trigger: 'cli', createdAt: new Date().toISOString(), counts: { customers: 0, purchasers: 0, purchases: 0, cardsUpdated: 0 } });
  const s = await steps.start(d, { tenantId, recomputeId: id });
  const read = await Promise.all(s.shards.map((x) => steps.readShard(d, x)));
  const c = await steps.compute(d, { ...s, read });
  const written = await Promise.all(c.shards.map((x) => steps.writeShard(d, x)));
  await steps.finish(d, { ...c, written });
  const done = await d.insights.getRecompute(tenantId, id);
  expect(done?.status).toBe('completed');
  return done!;
}

describe('a refunded order stays where it was bought', () => {
  it('months change November by the difference; a recompute before or after the refund sees the dinner on its day', async () => {
    const tenant = `refund-${uniq()}`;
    const key = await tenantWithSecretKey(tenant, { timeZone: 'Europe/Rome' });
    // Anna: three dinners; Bea: one; Carl: one, refunded in full.
    const anna = await send(key, `a1-${tenant}`, 'anna@x.it', '2025-09-05T18:00:00.000Z', 'a1', 2600);
    await send(key, `a2-${tenant}`, 'anna@x.it', '2025-10-10T18:00:00.000Z', 'a2', 1400);
    await send(key, `a3-${tenant}`, 'anna@x.it', '2025-11-20T19:00:00.000Z', 'a3', 2700);
    const bea = await send(key, `b1-${tenant}`, 'bea@x.it', '2025-11-25T19:00:00.000Z', 'b1', 1000);
    const carl = await send(key, `c1-${tenant}`, 'carl@x.it', '2025-11-29T19:00:00.000Z', 'c1', 1000);
    const before = await months(key);
    expect(before('2025-11')).toMatchObject({ orders: 3, revenue: 4700, returningCustomers: 1 });

    // 1 December, early morning: 7.00 of Anna's 20 November dinner refunded, and Carl's order in full.
    await send(key, `a3-v2-${tenant}`, 'anna@x.it', '2025-12-01T02:30:00.000Z', 'a3', 2000);
    await send(key, `c1-v2-${tenant}`, 'carl@x.it', '2025-12-01T03:00:00.000Z', 'c1', 0);
    const after = await months(key);
    // November: the same orders (Carl's stays an order, with no revenue), 700 + 1000 less, Anna still returning.
    expect(after('2025-11')).toMatchObject({ orders: 3, revenue: 3000, returningCustomers: 1 });
    // December: nothing was bought.
    expect(after('2025-12')).toEqual(ZERO);

    // The card agrees with the insights: Carl has an order, no purchase.
    expect((await card(key, carl)).stats).toMatchObject({ orders: 1, purchases: 0, totalSpent: 0, averageOrderValue: 0 });
    expect((await card(key, anna)).stats).toMatchObject({ orders: 3, purchases: 3, totalSpent: 6000 });

    // As of 30 November noon (before the refund was sent): Anna's third dinner is there, at its corrected amount.
    const past = await recomputeAsOf(tenant, '2025-11-30T12:00:00.000Z');
    expect(past.counts).toMatchObject({ purchasers: 2, purchases: 4 });
    const annaPast = (await card(key, anna)).insights;
    expect(annaPast.rfm).toMatchObject({ days: 10, occasions: 3, spent: 6000 });
    expect(annaPast.purchases.x).toBe(2);
    expect((await card(key, carl)).insights?.rfm).toBeUndefined();

    // As of 1 December noon: Anna last came on 20 November (11 days), Bea on 25 November (6 days): Anna is no
    // longer the most recent, nor "Champions" for being refunded.
    await recomputeAsOf(tenant, '2025-12-01T12:00:00.000Z');
    const annaNow = (await card(key, anna)).insights;
    expect(annaNow.rfm).toMatchObject({ days: 11, occasions: 3, spent: 6000, recency: 1, group: 'Cannot lose them' });
    expect((await card(key, bea)).insights.rfm).toMatchObject({ days: 6, recency: 5 });
  }, LONG_TIMEOUT_MS);

  it('the original arriving after its correction: the order goes back to its month, the correction’s lines and total stay; a retry changes nothing', async () => {
    const tenant = `refund-late-${uniq()}`;
    const key = await tenantWithSecretKey(tenant, { timeZone: 'Europe/Rome' });
    const dario = await send(key, `d1-v2-${tenant}`, 'dario@x.it', '2025-12-01T04:00:00.000Z', 'd1', 500, 'AFTER-REFUND');
    expect((await months(key))('2025-12')).toMatchObject({ orders: 1, revenue: 500 });
    await send(key, `d1-${tenant}`, 'dario@x.it', '2025-10-15T18:00:00.000Z', 'd1', 900, 'ORIGINAL');
    const check = async () => {
      const m = await months(key);
      expect(m('2025-10')).toMatchObject({ orders: 1, revenue: 500 });
      expect({ ...m('2025-12'), newCustomers: 0 }).toEqual(ZERO);
      expect((await card(key, dario)).stats).toMatchObject({ orders: 1, purchases: 1, totalSpent: 500 });
      const { insightKeys, keys } = await import('../../shared/store/keys.ts');
      const { Items } = await env.db.send(
        new QueryCommand({
          TableName: env.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(tenant, keys.customerShard(dario)), ':s': insightKeys.customerPurchasesPrefix(dario) },
          ConsistentRead: true,
        }),
      );
      expect(Items).toHaveLength(1);
      expect(Items![0]).toMatchObject({ kind: 'O', id: 'd1', at: '2025-10-15T18:00:00.000Z', amount: 500, items: [{ sku: 'AFTER-REFUND' }] });
    };
    await check();
    // The same delivery again (a retry): nothing moves twice.
    await send(key, `d1-${tenant}`, 'dario@x.it', '2025-10-15T18:00:00.000Z', 'd1', 900, 'ORIGINAL');
    await send(key, `d1-v2-${tenant}`, 'dario@x.it', '2025-12-01T04:00:00.000Z', 'd1', 500, 'AFTER-REFUND');
    await check();
    // As of 1 November: the October order, at its corrected amount.
    const past = await recomputeAsOf(tenant, '2025-11-01T00:00:00.000Z');
    expect(past.counts).toMatchObject({ purchasers: 1, purchases: 1 });
  }, LONG_TIMEOUT_MS);
});
