import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { WorkflowRunner } from '../../local/step-functions.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Automatic tags are the business's present, and the owner's word on a card is final. Through the API, with
 * recomputes run by the local runner on the state machine CDK synthesises, against DynamoDB Local and s3rver:
 * a recompute as of a past day shows that day's figures but moves no automatic tag (a `VIP` rule on
 * Champions used to move the tag to last spring's champions); `asOf` before 1970 is a 400; a tag a rule gave
 * and the owner removed by hand is not given back by the next recompute or event, and put back by hand it
 * stays the owner's.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let runner: WorkflowRunner;
let key: string;
const TENANT = 'tags-osteria';
const cacheDir = mkdtempSync(join(tmpdir(), 'insights-tags-'));
const DAY = 86_400_000;
const now = Date.now();
let n = 0;

async function send(body: Record<string, unknown>) {
  const res = await call('POST', '/v1/events', { key, body: { eventId: `e${n++}`, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { customerId: string };
}
const order = (email: string, at: number, total: number) =>
  send({ type: 'order.completed', occurredAt: new Date(at).toISOString(), customer: { email }, data: { orderId: `o${n}`, currency: 'EUR', total, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: total }] } });

async function recompute(body: Record<string, unknown> = {}) {
  const res = await call('POST', '/v1/insights/recompute', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await runner.idle();
  const view = (await call('GET', `/v1/insights/recompute/${res.body.recomputeId}`, { key })).body;
  expect(view.status, JSON.stringify(view)).toBe('completed');
  return view as { asOf: string };
}
type Card = { id: string; email: string; tags: string[]; insights?: { asOf: string; rfm: { group: string } } };
const cards = async (query = '') => (await call('GET', `/v1/customers?limit=100${query}`, { key })).body.items as Card[];
const ids = (list: Card[]) => list.map((c) => c.id).sort();

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { insightsWorkflowRunner } = await import('../../local/step-functions.ts');
  const { registerInsightsRunner } = await import('../../local/workflow-port.ts');
  await ensureTenant(stores().tenants, TENANT);
  key = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  runner = await insightsWorkflowRunner({ cacheDir, log: () => undefined, retryIntervalMs: 5 });
  registerInsightsRunner(runner);
  // Last spring's regulars (they stopped coming) and this autumn's (they come often now).
  for (let i = 0; i < 6; i++) for (let k = 0; k <= 2 + (i % 3); k++) await order(`spring${i}@example.it`, now - (300 - i * 3 - k * 12) * DAY, 3000 + 500 * i);
  for (let i = 0; i < 6; i++) for (let k = 0; k <= 2 + (i % 3); k++) await order(`autumn${i}@example.it`, now - (60 - i * 2 - k * 9) * DAY, 3000 + 500 * i);
  const settings = await call('PATCH', '/v1/settings', {
    key,
    body: { autoTags: [{ tag: 'VIP', filter: { rfmGroup: ['Champions'] } }, { tag: 'No-show', filter: { minNoShows: 1 } }] },
  });
  expect(settings.status, JSON.stringify(settings.body)).toBe(200);
}, LONG_TIMEOUT_MS);

afterAll(async () => {
  await runner?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('a recompute as of a past day', () => {
  it('shows that day’s figures on the cards and in the summary, and moves no automatic tag', async () => {
    const present = await recompute();
    const vip = await cards('&tags=VIP');
    expect(vip.length).toBeGreaterThan(0);
    expect(ids(vip)).toEqual(ids(await cards('&rfmGroup=Champions')));
    expect(vip.every((c) => c.email.startsWith('autumn'))).toBe(true);

    const pastDay = new Date(now - 200 * DAY).toISOString().slice(0, 10);
    const past = await recompute({ asOf: pastDay });
    expect(past.asOf < present.asOf).toBe(true);
    // The cards carry the past day's figures: last spring's regulars are that day's champions...
    const pastChampions = await cards('&rfmGroup=Champions');
    expect(pastChampions.length).toBeGreaterThan(0);
    expect(pastChampions.every((c) => c.email.startsWith('spring') && c.insights?.asOf === past.asOf)).toBe(true);
    expect((await call('GET', '/v1/insights/summary', { key })).body.asOf).toBe(past.asOf);
    // ...but VIP stays with today's champions.
    expect(ids(await cards('&tags=VIP'))).toEqual(ids(vip));

    // A recompute as of now again: the same VIPs.
    await recompute();
    expect(ids(await cards('&tags=VIP'))).toEqual(ids(vip));
  });

  it('asOf before 1970-01-01 is a 400 naming asOf, and nothing is cleared', async () => {
    const before = (await call('GET', '/v1/insights/summary', { key })).body;
    for (const asOf of ['1969-12-31', '1969-12-31T23:00:00Z']) {
      const res = await call('POST', '/v1/insights/recompute', { key, body: { asOf } });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['asOf']);
    }
    await runner.idle();
    expect((await call('GET', '/v1/insights/summary', { key })).body).toEqual(before);
    expect((await cards()).every((c) => c.insights)).toBe(true);
  });
});

describe('a tag a rule gave, removed by the owner', () => {
  it('is not given back by the next recompute (VIP), while the other champions keep theirs', async () => {
    const vip = await cards('&tags=VIP');
    const [first, ...others] = vip;
    const patch = await call('PATCH', `/v1/customers/${first!.id}`, { key, body: { tags: [] } });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    expect(patch.body.tags).toEqual([]);
    expect(patch.body).not.toHaveProperty('autoTagDeclined');
    await recompute();
    const after = await call('GET', `/v1/customers/${first!.id}`, { key });
    expect(after.body.insights.rfm.group).toBe('Champions');
    expect(after.body.tags).toEqual([]);
    expect(after.body).not.toHaveProperty('autoTagDeclined');
    expect(ids(await cards('&tags=VIP'))).toEqual(ids(others));
  });

  it('is not given back by the next event (No-show); put back by hand, it stays the owner’s', async () => {
    const guest = { email: 'guest@example.it', firstName: 'Gino' };
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
    const { customerId } = await send({ type: 'booking.created', occurredAt: at(20), customer: guest, data: { bookingId: 'b1', date: at(19).slice(0, 10), time: '20:00', partySize: 2 } });
    await send({ type: 'booking.no_show', occurredAt: at(19), customer: guest, data: { bookingId: 'b1' } });
    const card = async () => (await call('GET', `/v1/customers/${customerId}`, { key })).body as Card;
    expect((await card()).tags).toEqual(['No-show']);
    expect((await call('PATCH', `/v1/customers/${customerId}`, { key, body: { tags: [] } })).status).toBe(200);
    // Another no-show, then a message: the card still matches the rule, and the owner's choice holds.
    await send({ type: 'booking.created', occurredAt: at(10), customer: guest, data: { bookingId: 'b2', date: at(9).slice(0, 10), time: '20:00', partySize: 2 } });
    await send({ type: 'booking.no_show', occurredAt: at(9), customer: guest, data: { bookingId: 'b2' } });
    await send({ type: 'message.received', occurredAt: at(1), customer: { email: guest.email }, data: { text: 'grazie', channel: 'email' } });
    expect((await card()).tags).toEqual([]);
    await recompute();
    expect((await card()).tags).toEqual([]);
    // The owner puts it back: it stays through events and recomputes.
    expect((await call('PATCH', `/v1/customers/${customerId}`, { key, body: { tags: ['No-show'] } })).status).toBe(200);
    await send({ type: 'message.received', occurredAt: at(0.5), customer: { email: guest.email }, data: { text: 'a presto', channel: 'email' } });
    await recompute();
    expect((await card()).tags).toEqual(['No-show']);
  });
});
