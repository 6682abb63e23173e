import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { InsightsStore, RecomputeDeps } from '../../shared/insights/recompute.ts';
import { tableItems } from '../helpers/table-scan.ts';

/**
 * Erasure leaves no table item holding the person's id, the stored insights summary included: its top lists
 * (`top.clv12m`, `top.pAlive`) lose the id when the person is erased, and a recompute running meanwhile
 * leaves them out of the summary it stores. Against DynamoDB Local and s3rver: events through
 * POST /v1/events, erasure through DELETE /v1/customers/{id}, the workflow's steps run one after another
 * (as the state machine runs them), with erasures slipped in between steps and inside Finish.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let key: string;
const TENANT = 'erase-enoteca';
const CUSTOMERS = 30;
/** Three more customers, one purchase each: the ones erased (the models still fit the 30 without them). */
const victims: string[] = [];

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  key = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  // Customers with their own pace and their own chance of leaving (a fixed seed): enough for the models to
  // fit, so that the summary has top lists by clv12m and pAlive.
  let seed = 20;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let n = 0;
  for (let i = 0; i < CUSTOMERS; i++) {
    const gap = 7 + Math.floor(rnd() * 50);
    const drop = 0.05 + rnd() * 0.4;
    for (let t = Math.floor(rnd() * 120); t <= 325; t += 1 + Math.floor(rnd() * 2 * gap)) {
      const total = 1500 + Math.floor(rnd() * 4000);
      const occurredAt = new Date(Date.UTC(2026, 0, 5) + t * 86_400_000).toISOString();
      const res = await call('POST', '/v1/events', {
        key,
        body: { eventId: `er${n++}`, type: 'order.completed', occurredAt, customer: { email: `e${i}@example.it` }, data: { orderId: `o${n}`, currency: 'EUR', total, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: total }] } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (rnd() < drop) break;
    }
  }
  for (let v = 0; v < 3; v++) {
    const res = await call('POST', '/v1/events', {
      key,
      body: { eventId: `v${v}`, type: 'order.completed', occurredAt: new Date(Date.UTC(2026, 9, 1 + v)).toISOString(), customer: { email: `v${v}@example.it` }, data: { orderId: `v${v}`, currency: 'EUR', total: 2500, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 2500 }] } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    victims.push(res.body.customerId);
  }
}, LONG_TIMEOUT_MS);

async function deps(insights?: (real: InsightsStore) => InsightsStore): Promise<RecomputeDeps> {
  const { dynamoInsightsStore } = await import('../../shared/store/insights.store.ts');
  const { s3ObjectStore } = await import('../../shared/import/object-store.ts');
  const { stores } = await import('../../shared/http/stores.ts');
  const real = dynamoInsightsStore(env.db, env.tableName);
  return { insights: insights ? insights(real) : real, getTenant: (id) => stores().tenants.getTenant(id), files: s3ObjectStore(env.s3), bucket: env.exportBucket };
}

/** The recompute's steps in the state machine's order; `between` runs after Compute (the top lists are known). */
async function recompute(d: RecomputeDeps, between: (top: string[]) => Promise<void> = async () => undefined) {
  const steps = await import('../../shared/insights/recompute.ts');
  const { ulid } = await import('ulid');
  const id = ulid();
  const now = new Date().toISOString();
  await d.insights.createRecompute(TENANT, { id, status: 'pending', asOf: now, trigger: 'cli', createdAt: now, counts: { customers: 0, purchasers: 0, purchases: 0, cardsUpdated: 0 } });
  const s = await steps.start(d, { tenantId: TENANT, recomputeId: id });
  const read = await Promise.all(s.shards.map((x) => steps.readShard(d, x)));
  const c = await steps.compute(d, { ...s, read });
  await between([...c.computed.top.clv12m, ...c.computed.top.pAlive].map((e) => e.id));
  const written = await Promise.all(c.shards.map((x) => steps.writeShard(d, x)));
  await steps.finish(d, { ...c, written });
  expect((await d.insights.getRecompute(TENANT, id))?.status).toBe('completed');
}

const erase = async (id: string) => expect((await call('DELETE', `/v1/customers/${id}`, { key })).status).toBe(204);

/** Every item of the table that holds the id anywhere (the test's own table: a Scan is fine here). */
async function itemsHolding(id: string) {
  return (await tableItems(env.db, env.tableName)).filter((item) => JSON.stringify(item).includes(id)).map((item) => `${item.pk} / ${item.sk}`);
}

async function storedTop() {
  const { insightKeys } = await import('../../shared/store/keys.ts');
  const { Item } = await env.db.send(new GetCommand({ TableName: env.tableName, Key: insightKeys.summary(TENANT), ConsistentRead: true }));
  return Item!.top as { clv12m: { id: string }[]; pAlive: { id: string }[] };
}
const topIds = (top: Awaited<ReturnType<typeof storedTop>>) => [...top.clv12m, ...top.pAlive].map((e) => e.id);

describe('erasure and the stored insights summary', () => {
  it('erasing a customer takes their id out of the summary’s top lists at once: no item holds it', async () => {
    await recompute(await deps());
    const before = await storedTop();
    const victim = victims[0]!;
    expect(before.pAlive.map((e) => e.id)).toContain(victim);
    expect(before.clv12m.map((e) => e.id)).toContain(victim);
    await erase(victim);
    expect(await itemsHolding(victim)).toEqual([]);
    const after = await storedTop();
    expect(after.pAlive.map((e) => e.id)).toEqual(before.pAlive.map((e) => e.id).filter((id) => id !== victim));
    expect(after.clv12m.map((e) => e.id)).toEqual(before.clv12m.map((e) => e.id).filter((id) => id !== victim));
    const top = (await call('GET', '/v1/insights/top-customers?by=pAlive&limit=100', { key })).body.items as { id: string }[];
    expect(top.map((c) => c.id)).not.toContain(victim);
  });

  it('a customer erased while a recompute runs is not in the summary it stores', async () => {
    const victim = victims[1]!;
    await recompute(await deps(), async (top) => {
      // Computed with the person's purchases: they are in the top lists the recompute holds.
      expect(top).toContain(victim);
      await erase(victim);
    });
    expect(topIds(await storedTop())).not.toContain(victim);
    expect(await itemsHolding(victim)).toEqual([]);
  });

  it('an erasure landing inside Finish, between its card check and its write, is not undone by the write', async () => {
    const victim = victims[2]!;
    let slipped = false;
    const d = await deps((real) => ({
      ...real,
      async existingCards(tenantId, list) {
        const answer = await real.existingCards(tenantId, list);
        // The first check saw the card; the person is erased before the summary is written.
        if (!slipped) {
          slipped = true;
          expect(answer.has(victim)).toBe(true);
          await erase(victim);
        }
        return answer;
      },
    }));
    await recompute(d);
    expect(slipped).toBe(true);
    expect(topIds(await storedTop())).not.toContain(victim);
    expect(await itemsHolding(victim)).toEqual([]);
  });
});
