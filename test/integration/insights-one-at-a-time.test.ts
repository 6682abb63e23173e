import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { WorkflowRunner } from '../../local/step-functions.ts';
import type { ModuleLoader } from '../../local/lambda.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * One recompute per tenant at a time. Through POST /v1/insights/recompute, run by the local runner on the
 * state machine CDK synthesises, against DynamoDB Local and s3rver: recomputes asked together start one
 * workflow (the others are 409s naming it), so summary, rules, keywords and cards come from one `asOf`; the
 * lease is given back when the workflow completes and when it fails, and a lease whose recompute never ended
 * lets the next one in once it expires; the nightly run skips a tenant that has one running. And the
 * publishing of rules and keywords only moves the pointer it read: a recompute that lost keeps its TTL.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let runner: WorkflowRunner;
let key: string;
/** The workflow step that fails (every attempt) while set. */
let failing: string | undefined;
const TENANT = 'solo-trattoria';
const cacheDir = mkdtempSync(join(tmpdir(), 'insights-solo-'));

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { insightsWorkflowRunner } = await import('../../local/step-functions.ts');
  const { registerInsightsRunner } = await import('../../local/workflow-port.ts');
  const { moduleLoader } = await import('../../local/lambda.ts');
  await ensureTenant(stores().tenants, TENANT);
  key = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  const real = moduleLoader();
  const loadModule: ModuleLoader = async (entry) => {
    const { handler } = await real(entry);
    return {
      handler: async (event: { step?: string }, context) => {
        if (failing && event.step === failing) throw new Error(`${failing} failed (test)`);
        return handler(event, context);
      },
    };
  };
  runner = await insightsWorkflowRunner({ cacheDir, log: () => undefined, retryIntervalMs: 5, loadModule });
  registerInsightsRunner(runner);
  let n = 0;
  for (let i = 0; i < 8; i++) {
    for (let k = 0; k < 1 + (i % 3); k++) {
      const occurredAt = new Date(Date.UTC(2026, 1, 1) + (i * 5 + k * 40) * 86_400_000).toISOString();
      const items = [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 2000 }, ...(i % 2 ? [{ sku: 'vino', name: 'Vino', quantity: 1, unitPrice: 900 }] : [])];
      const res = await call('POST', '/v1/events', { key, body: { eventId: `o${n++}`, type: 'order.completed', occurredAt, customer: { email: `s${i}@example.it` }, data: { orderId: `o${i}-${k}`, currency: 'EUR', total: 2000 + (i % 2) * 900, items } } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const msg = await call('POST', '/v1/events', { key, body: { eventId: `m${i}`, type: 'message.received', occurredAt: new Date(Date.UTC(2026, 5, 1 + i)).toISOString(), customer: { email: `s${i}@example.it` }, data: { text: 'pasta senza glutine per favore', channel: 'email' } } });
    expect(msg.status, JSON.stringify(msg.body)).toBe(200);
  }
}, LONG_TIMEOUT_MS);

afterAll(async () => {
  await runner?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

const post = (body: Record<string, unknown> = {}) => call('POST', '/v1/insights/recompute', { key, body });
const recompute = async (id: string) => (await call('GET', `/v1/insights/recompute/${id}`, { key })).body;

function expectBusy(res: Reply, running: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(409);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status: 409, recomputeId: running });
  expect(res.body.detail).toContain(running);
}

/** What the routes show: summary, rules and keywords come from one recompute (`asOf`). */
async function shownAsOf() {
  const [summary, rules, keywords] = await Promise.all(['/v1/insights/summary', '/v1/insights/rules', '/v1/insights/keywords'].map((u) => call('GET', u, { key })));
  return [summary!.body.asOf, rules!.body.asOf, keywords!.body.asOf];
}

describe('one recompute per tenant at a time', () => {
  it('four asked at once start one workflow; the others are 409s naming it; everything shown comes from its asOf', async () => {
    const replies = await Promise.all([post(), post({ asOf: '2026-06-01' }), post(), post({ asOf: '2026-06-01' })]);
    const started = replies.filter((r) => r.status === 202);
    expect(started).toHaveLength(1);
    const id = started[0]!.body.recomputeId as string;
    for (const r of replies.filter((x) => x !== started[0])) expectBusy(r, id);
    await runner.idle();
    const record = await recompute(id);
    expect(record.status).toBe('completed');
    expect(await shownAsOf()).toEqual([record.asOf, record.asOf, record.asOf]);
    // Every purchaser's card carries the figures of that recompute (the first: every card is written).
    const cards = (await call('GET', '/v1/customers?limit=100', { key })).body.items as { insights?: { asOf: string } }[];
    expect(cards).toHaveLength(8);
    expect(cards.map((c) => c.insights?.asOf)).toEqual(cards.map(() => record.asOf));
    // Only one recompute record exists: the 409s recorded nothing.
    const { insightKeys } = await import('../../shared/store/keys.ts');
    const records = await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)', ExpressionAttributeValues: { ':pk': insightKeys.insightsPk(TENANT), ':r': 'RECOMPUTE#' } }));
    expect(records.Items).toHaveLength(1);
  });

  it('once it completed, the next one starts; now and a past asOf asked together: one runs, and what is shown is its asOf', async () => {
    const [a, b] = await Promise.all([post(), post({ asOf: '2026-06-01' })]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const winner = a.status === 202 ? a : b;
    expectBusy(a.status === 202 ? b : a, winner.body.recomputeId);
    await runner.idle();
    const record = await recompute(winner.body.recomputeId);
    expect(record.status).toBe('completed');
    expect(await shownAsOf()).toEqual([record.asOf, record.asOf, record.asOf]);
  });

  it('a failed recompute gives the lease back: the next request starts', async () => {
    failing = 'compute';
    const res = await post();
    expect(res.status).toBe(202);
    await runner.idle();
    failing = undefined;
    expect(await recompute(res.body.recomputeId)).toMatchObject({ status: 'failed', reason: expect.stringContaining('compute failed (test)') });
    const next = await post();
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await runner.idle();
    expect((await recompute(next.body.recomputeId)).status).toBe('completed');
  });

  it('a recompute that never ended holds the tenant until its lease expires; the nightly run skips the tenant meanwhile', async () => {
    const { dynamoInsightsStore } = await import('../../shared/store/insights.store.ts');
    const { startNightlyRecompute } = await import('../../shared/insights/insights.ts');
    const store = dynamoInsightsStore(env.db, env.tableName);
    const now = Date.now();
    // An execution that died without running Finish or MarkRecomputeFailed: its record still says running.
    const stuck = '01STUCKRECOMPUTE0000000000';
    const at = new Date(now - 3_600_000).toISOString();
    await store.createRecompute(TENANT, { id: stuck, status: 'running', asOf: at, trigger: 'api', createdAt: at, counts: { customers: 0, purchasers: 0, purchases: 0, cardsUpdated: 0 } });
    expect(await store.takeRecomputeLease(TENANT, { recomputeId: stuck, at, until: new Date(now + 3_600_000).toISOString() })).toEqual({ taken: true });
    expectBusy(await post(), stuck);
    const nightly = await startNightlyRecompute({ insights: store, start: async () => expect.fail('the nightly run started a second recompute') }, TENANT);
    expect(nightly).toEqual({ tenantId: TENANT, skipped: stuck });
    // Its lease expires (the state machine's time limit is shorter than the lease): the next request starts.
    await store.takeRecomputeLease(TENANT, { recomputeId: stuck, at, until: new Date(now - 60_000).toISOString() }, stuck);
    const next = await post();
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await runner.idle();
    expect((await recompute(next.body.recomputeId)).status).toBe('completed');
    const { insightKeys } = await import('../../shared/store/keys.ts');
    expect((await env.db.send(new GetCommand({ TableName: env.tableName, Key: insightKeys.recomputeLease(TENANT), ConsistentRead: true }))).Item).toBeUndefined();
  });

  it('a lease still held by a recompute that ended (its release was lost) does not block the tenant', async () => {
    const { dynamoInsightsStore } = await import('../../shared/store/insights.store.ts');
    const store = dynamoInsightsStore(env.db, env.tableName);
    const at = new Date().toISOString();
    const ended = '01ENDEDRECOMPUTE0000000000';
    await store.createRecompute(TENANT, { id: ended, status: 'failed', asOf: at, trigger: 'api', createdAt: at, counts: { customers: 0, purchasers: 0, purchases: 0, cardsUpdated: 0 } });
    await store.takeRecomputeLease(TENANT, { recomputeId: ended, at, until: new Date(Date.now() + 3_600_000).toISOString() });
    const next = await post();
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await runner.idle();
  });
});

describe('publishing rules and keywords', () => {
  it('only over the pointer it read: a recompute that published in between keeps its place, and the loser keeps its expiry', async () => {
    const { dynamoBasketsStore } = await import('../../shared/store/baskets.store.ts');
    const { basketKeys } = await import('../../shared/store/keys.ts');
    const T = 'publish-race';
    const expiresAt = Math.floor(Date.now() / 1000) + 3 * 86_400;
    const plain = dynamoBasketsStore(env.db, env.tableName);
    await plain.putStored(T, 'rules', 'A', '{"from":"A"}', expiresAt);
    await plain.putStored(T, 'rules', 'B', '{"from":"B"}', expiresAt);
    // A reads the pointer (none yet); B publishes before A writes it.
    let interleave = true;
    const racing = new Proxy(env.db, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: GetCommand) => {
          const answer = await target.send(command as never);
          if (interleave && command instanceof GetCommand && (command.input.Key as { sk: string }).sk === 'PUBLISHED#rules') {
            interleave = false;
            expect(await plain.publish(T, 'rules', 'B')).toBe(true);
          }
          return answer;
        };
      },
    }) as DynamoDBDocumentClient;
    expect(await dynamoBasketsStore(racing, env.tableName).publish(T, 'rules', 'A')).toBe(false);
    expect(await plain.getStored(T, 'rules')).toBe('{"from":"B"}');
    const chunk = async (id: string) => (await env.db.send(new GetCommand({ TableName: env.tableName, Key: basketKeys.storedChunk(T, 'rules', id, 0), ConsistentRead: true }))).Item;
    expect((await chunk('A'))?.ttl).toBe(expiresAt);
    expect((await chunk('B'))?.ttl).toBeUndefined();
    // A retried publish of the winner changes nothing; the next recompute replaces it and deletes its chunks.
    expect(await plain.publish(T, 'rules', 'B')).toBe(true);
    await plain.putStored(T, 'rules', 'C', '{"from":"C"}', expiresAt);
    expect(await plain.publish(T, 'rules', 'C')).toBe(true);
    expect(await chunk('B')).toBeUndefined();
    expect(await plain.getStored(T, 'rules')).toBe('{"from":"C"}');
  });
});
