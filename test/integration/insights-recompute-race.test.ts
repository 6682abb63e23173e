import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { InsightCard, InsightsStore, RecomputeDeps } from '../../shared/insights/recompute.ts';

/**
 * The recompute's write-back never overwrites a change made to a card after WriteShard read it from the card
 * index: the update is conditional on the version it read, so the stale write fails, the card is read again
 * and written with the change kept. Against DynamoDB Local and s3rver: events through POST /v1/events, an
 * automatic-tag rule every purchaser matches (so the recompute writes `tags` as well as `insights`), then the
 * workflow's steps with a store whose card index pages trigger, as they are handed over, an edit of some of
 * their cards through PATCH /v1/customers/{id} (a person tagging the card while the recompute runs). Written
 * from the stale card, the recompute's `tags` would drop the person's tag.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let key: string;
const TENANT = 'race-trattoria';
const CUSTOMERS = 24;
const email = (i: number) => `r${i}@example.it`;

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  key = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  let n = 0;
  for (let i = 0; i < CUSTOMERS; i++) {
    // 1 to 4 orders each, some weeks apart: enough purchasers and repeaters for the models to fit.
    for (let k = 0; k <= i % 4; k++) {
      const occurredAt = new Date(Date.UTC(2026, 0, 10) + (i * 3 + k * 23) * 86_400_000).toISOString();
      const res = await call('POST', '/v1/events', {
        key,
        body: { eventId: `race${n++}`, type: 'order.completed', occurredAt, customer: { email: email(i) }, data: { orderId: `o${i}-${k}`, currency: 'EUR', total: 1500 + 700 * k + 40 * i, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 1500 + 700 * k + 40 * i }] } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  }
  // After the events, so no card holds the rule's tag yet: the recompute gives it.
  const rule = await call('PATCH', '/v1/settings', { key, body: { autoTags: [{ tag: 'VIP', filter: { minSpent: 1 } }] } });
  expect(rule.status, JSON.stringify(rule.body)).toBe(200);
}, LONG_TIMEOUT_MS);

describe('recompute write-back racing an edit of the card', () => {
  it('keeps the edit made after the index read, and still writes the insights', async () => {
    const steps = await import('../../shared/insights/recompute.ts');
    const { dynamoInsightsStore } = await import('../../shared/store/insights.store.ts');
    const { s3ObjectStore } = await import('../../shared/import/object-store.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    const { keys } = await import('../../shared/store/keys.ts');
    const { ulid } = await import('ulid');

    const real = dynamoInsightsStore(env.db, env.tableName);
    // Every third card of each index page is edited the moment the page is handed to WriteShard: its
    // version moves on after WriteShard read it, before WriteShard writes it.
    const edited = new Map<string, { version: number; notes: string }>();
    let untouched: string | undefined;
    const racing: InsightsStore = {
      ...real,
      async *cards(tenantId, shard) {
        for await (const page of real.cards(tenantId, shard)) {
          for (const [i, card] of page.entries()) {
            if (i % 3) {
              untouched ??= card.id;
              continue;
            }
            expect(card.tags).toEqual([]);
            const notes = `edited while recomputing (${card.id})`;
            const res = await call('PATCH', `/v1/customers/${card.id}`, { key, body: { notes, tags: ['Regular'] } });
            expect(res.status, JSON.stringify(res.body)).toBe(200);
            edited.set(card.id, { version: card.version, notes });
          }
          yield page as InsightCard[];
        }
      },
    };
    const d: RecomputeDeps = { insights: racing, getTenant: (id) => stores().tenants.getTenant(id), files: s3ObjectStore(env.s3), bucket: env.exportBucket };
    const id = ulid();
    const now = new Date().toISOString();
    await real.createRecompute(TENANT, { id, status: 'pending', asOf: now, trigger: 'cli', createdAt: now, counts: { customers: 0, purchasers: 0, purchases: 0, cardsUpdated: 0 } });
    const s = await steps.start(d, { tenantId: TENANT, recomputeId: id });
    const read = await Promise.all(s.shards.map((x) => steps.readShard(d, x)));
    const c = await steps.compute(d, { ...s, read });
    const written = await Promise.all(c.shards.map((x) => steps.writeShard(d, x)));
    await steps.finish(d, { ...c, written });

    expect(edited.size).toBeGreaterThan(0);
    const record = await real.getRecompute(TENANT, id);
    expect(record).toMatchObject({ status: 'completed', counts: { customers: CUSTOMERS, purchasers: CUSTOMERS, cardsUpdated: CUSTOMERS } });
    for (const [customerId, { version, notes }] of edited) {
      const { Item } = await env.db.send(new GetCommand({ TableName: env.tableName, Key: keys.customerCard(TENANT, customerId), ConsistentRead: true }));
      // The person's tag and notes are there, beside the rule's tag and the insights.
      expect(Item).toMatchObject({ notes, insights: { rfm: { group: expect.any(String) } } });
      expect((Item!.tags as string[]).sort()).toEqual(['Regular', 'VIP']);
      expect(Item!.version).toBeGreaterThan(version + 1);
      const view = await call('GET', `/v1/customers/${customerId}`, { key });
      expect(view.body).toMatchObject({ notes, insights: { rfm: { group: expect.any(String) } } });
      expect((view.body.tags as string[]).sort()).toEqual(['Regular', 'VIP']);
    }
    // A card nobody touched gets the rule's tag and its insights in one write.
    const { Item } = await env.db.send(new GetCommand({ TableName: env.tableName, Key: keys.customerCard(TENANT, untouched!), ConsistentRead: true }));
    expect(Item).toMatchObject({ tags: ['VIP'], insights: { rfm: { group: expect.any(String) } } });
  });
});
