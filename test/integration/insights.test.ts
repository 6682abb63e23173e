import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { WorkflowRunner } from '../../local/step-functions.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Insights end to end: events through POST /v1/events (orders over several months for 30 customers,
 * bookings, a no-show), the monthly counters, then recomputes through POST /v1/insights/recompute run by
 * the local runner on the state machine CDK synthesises, against DynamoDB Local and s3rver.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let runner: WorkflowRunner;
let exportRunner: WorkflowRunner;
let sk: string;
let small: string;
let readKey: string;
const TENANT = 'osteria';
const cacheDir = mkdtempSync(join(tmpdir(), 'insights-sfn-'));

const day = (d: number) => new Date(Date.UTC(2026, 0, 5) + d * 86_400_000);
interface Sent {
  customer: number;
  at: Date;
  total: number;
}
/** 30 customers with their own pace and their own chance of leaving (a fixed seed: the models fit this data). */
const ORDERS: Sent[] = [];
{
  let seed = 20;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 30; i++) {
    const gap = 7 + Math.floor(rnd() * 50);
    const drop = 0.05 + rnd() * 0.4;
    for (let t = Math.floor(rnd() * 120); t <= 325; t += 1 + Math.floor(rnd() * 2 * gap)) {
      ORDERS.push({ customer: i, at: day(t), total: 1500 + Math.floor(rnd() * 4000) });
      if (rnd() < drop) break;
    }
  }
}
const ordersOf = (i: number) => ORDERS.filter((o) => o.customer === i);
/** The customer with the most orders (the card test looks at them). */
const BUSY = [...Array(30).keys()].sort((a, b) => ordersOf(b).length - ordersOf(a).length)[0]!;
const spent = (i: number) => ordersOf(i).reduce((n, o) => n + o.total, 0) + (i === 1 ? 9000 : 0);
const BIGGEST = [...Array(30).keys()].sort((a, b) => spent(b) - spent(a))[0]!;
const CITIES = ['Roma', 'Milano', 'Forlì'];
const email = (i: number) => `c${i}@example.it`;

async function runRecompute(key: string, body: Record<string, unknown> = {}) {
  const res = await call('POST', '/v1/insights/recompute', { key, body });
  expect(res.status).toBe(202);
  await runner.idle();
  const view = await call('GET', `/v1/insights/recompute/${res.body.recomputeId}`, { key });
  expect(view.status).toBe(200);
  return view.body;
}
const list = async (query: string, key = sk) => {
  const res = await call('GET', `/v1/customers?${query}&limit=100`, { key });
  expect(res.status).toBe(200);
  return res.body.items as { id: string; email: string; tags: string[]; version: number; insights?: { rfm: { group: string; recency: number; days: number }; atRisk: boolean; clv12m?: number } }[];
};

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { insightsWorkflowRunner } = await import('../../local/step-functions.ts');
  const { registerInsightsRunner } = await import('../../local/workflow-port.ts');
  await ensureTenant(stores().tenants, TENANT);
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  readKey = (await issueKey(stores().tenants, TENANT, 'secret', 'read')).key;
  await ensureTenant(stores().tenants, 'bar-piccolo');
  small = (await issueKey(stores().tenants, 'bar-piccolo', 'secret')).key;
  runner = await insightsWorkflowRunner({ cacheDir, log: () => undefined, retryIntervalMs: 5 });
  registerInsightsRunner(runner);
  const { exportWorkflowRunner } = await import('../../local/step-functions.ts');
  const { registerExportRunner } = await import('../../local/workflow-port.ts');
  exportRunner = await exportWorkflowRunner({ cacheDir, log: () => undefined });
  registerExportRunner(exportRunner);

  let n = 0;
  const send = async (k: string, event: Record<string, unknown>) => {
    const res = await call('POST', '/v1/events', { key: k, body: { eventId: `e${n++}`, ...event } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  for (const o of ORDERS) {
    const i = o.customer;
    await send(sk, {
      type: 'order.completed',
      occurredAt: o.at.toISOString(),
      customer: { email: email(i), firstName: `Cliente${i}`, city: CITIES[i % 3], gender: i % 2 ? 'female' : 'male', birthDate: `${1960 + i}-06-15` },
      data: { orderId: `o-${i}-${o.at.getTime()}`, currency: 'EUR', total: o.total, items: [{ sku: i % 2 ? 'tiramisu' : 'carbonara', name: i % 2 ? 'Tiramisù' : 'Carbonara', quantity: 1, unitPrice: o.total }] },
    });
  }
  // A paid visit and a no-show.
  await send(sk, { type: 'booking.created', occurredAt: day(100).toISOString(), customer: { email: email(1) }, data: { bookingId: 'b1', date: '2026-08-10', time: '20:00', partySize: 2 } });
  await send(sk, { type: 'booking.completed', occurredAt: '2026-08-10T21:30:00.000Z', customer: { email: email(1) }, data: { bookingId: 'b1', amount: 9000 } });
  await send(sk, { type: 'booking.created', occurredAt: day(101).toISOString(), customer: { email: email(2) }, data: { bookingId: 'b2', date: '2026-08-12', time: '20:00', partySize: 4 } });
  await send(sk, { type: 'booking.no_show', occurredAt: '2026-08-12T21:00:00.000Z', customer: { email: email(2) }, data: { bookingId: 'b2' } });
  // The small tenant: three customers, too few for the models.
  for (let i = 0; i < 3; i++) {
    // Cities that are also names on Object.prototype: the breakdown counts them as any other city.
    await send(small, { type: 'order.completed', occurredAt: day(i).toISOString(), customer: { email: `s${i}@example.it`, city: ['constructor', '__proto__', 'Bari'][i] }, data: { orderId: `s${i}`, currency: 'EUR', total: 1000, items: [{ sku: 'caffe', name: 'Caffè', quantity: 1, unitPrice: 1000 }] } });
  }
}, LONG_TIMEOUT_MS);

afterAll(async () => {
  await runner?.stop();
  await exportRunner?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('monthly figures (kept by capture, no recompute needed)', () => {
  it('counts orders, revenue, new and returning customers, bookings and no-shows per month (Europe/Rome)', async () => {
    const res = await call('GET', '/v1/insights/summary', { key: sk });
    expect(res.status).toBe(200);
    // It takes no parameters: an unknown one is a 400, as on the other insights routes.
    const unknown = await call('GET', '/v1/insights/summary?x=1', { key: sk });
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect(unknown.body.errors).toEqual([{ path: 'x', message: 'unknown field: x' }]);
    const months = res.body.months as Record<string, number | string>[];
    const monthOf = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit' }).format(d).slice(0, 7);
    const expected = new Map<string, { orders: number; revenue: number; newCustomers: number; returning: Set<number> }>();
    const first = new Map<number, string>();
    for (const o of [...ORDERS].sort((a, b) => a.at.getTime() - b.at.getTime())) {
      const m = monthOf(o.at);
      const row = expected.get(m) ?? { orders: 0, revenue: 0, newCustomers: 0, returning: new Set() };
      row.orders++;
      row.revenue += o.total;
      if (!first.has(o.customer)) {
        first.set(o.customer, m);
        row.newCustomers++;
      } else if (first.get(o.customer)! < m) row.returning.add(o.customer);
      expected.set(m, row);
    }
    // Customer 1's paid visit in August is a purchase: returning that month (first purchase in May).
    expected.get('2026-08')!.revenue += 9000;
    expected.get('2026-08')!.returning.add(1);
    for (const [month, e] of expected) {
      const got = months.find((m) => m.month === month)!;
      expect(got, month).toMatchObject({ orders: e.orders, revenue: e.revenue, newCustomers: e.newCustomers, returningCustomers: e.returning.size });
    }
    expect(months.find((m) => m.month === '2026-08')).toMatchObject({ bookings: 2, noShows: 1 });
    expect(months.map((m) => m.month)).toEqual([...months.map((m) => m.month)].sort());
  });
});

describe('recompute', () => {
  let first: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('runs through the local state machine and completes with counts', async () => {
    first = await runRecompute(sk);
    expect(first).toMatchObject({ status: 'completed', counts: { customers: 30, purchasers: 30, purchases: ORDERS.length + 1 } });
    expect(first.counts.cardsUpdated).toBe(30);
    expect(runner.listExecutions().every((e) => e.status === 'SUCCEEDED')).toBe(true);
  });

  it('summary: models fitted, RFM groups adding up to the purchasers', async () => {
    const s = (await call('GET', '/v1/insights/summary', { key: sk })).body;
    expect(s).toMatchObject({ customers: 30, purchasers: 30, asOf: first.asOf });
    expect(Object.values(s.rfmGroups as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(30);
    expect(s.models.bgnbd).toMatchObject({ r: expect.any(Number), alpha: expect.any(Number), a: expect.any(Number), b: expect.any(Number), customers: 30 });
    expect(s.atRisk).toBeGreaterThan(0);
  });

  it('summary of a tenant with too few purchasers: no models, a reason in words', async () => {
    // A rule on one RFM group: the small tenant's three purchasers are scored among themselves.
    const rule = await call('PATCH', '/v1/settings', { key: small, body: { autoTags: [{ tag: 'VIP', filter: { rfmGroup: ['Potential loyalist'] } }] } });
    expect(rule.status, JSON.stringify(rule.body)).toBe(200);
    const r = await runRecompute(small);
    expect(r).toMatchObject({ status: 'completed', counts: { purchasers: 3 } });
    const s = (await call('GET', '/v1/insights/summary', { key: small })).body;
    expect(s.models).toMatchObject({ bgnbd: null, gammaGamma: null });
    expect(s.models.reason).toMatch(/at least 20 customers/);
    const f = (await call('GET', '/v1/insights/forecast?days=30', { key: small })).body;
    expect(f).toMatchObject({ days: 30, expectedPurchases: null });
  });

  // A review found the best of 3 purchasers scored "244", "At risk": a score is the share of the OTHERS a customer beats.
  it('a tenant with 3 purchasers: the most recent scores R = 5, the least recent 1; groups, filter, breakdown, brief and rule follow', async () => {
    const s = (await call('GET', '/v1/insights/summary', { key: small })).body;
    expect(s.purchasers).toBe(3);
    expect(s).not.toHaveProperty('rfmReason');
    // One order of 10.00 each, on days 0, 1 and 2: F and M tie, in the middle (3); R is 5, 3, 1.
    expect(Object.fromEntries(Object.entries(s.rfmGroups as Record<string, number>).filter(([, n]) => n > 0))).toEqual({ 'Potential loyalist': 1, 'Need attention': 1, 'At risk': 1 });
    const cards = await list('sort=firstContactAt', small);
    const byEmail = Object.fromEntries(cards.map((c) => [c.email, c]));
    expect(byEmail['s2@example.it']!.insights).toMatchObject({ rfm: { recency: 5, frequency: 3, monetary: 3, score: '533', group: 'Potential loyalist' } });
    expect(byEmail['s1@example.it']!.insights).toMatchObject({ rfm: { score: '333', group: 'Need attention' } });
    expect(byEmail['s0@example.it']!.insights).toMatchObject({ rfm: { score: '133', group: 'At risk' } });
    expect(byEmail['s2@example.it']!.tags).toEqual(['VIP']);
    expect(byEmail['s0@example.it']!.tags).toEqual([]);
    expect((await list('rfmGroup=Potential%20loyalist', small)).map((c) => c.email)).toEqual(['s2@example.it']);
    const byGroup = (await call('GET', '/v1/insights/breakdown?by=rfmGroup', { key: small })).body.items as { key: string; customers: number }[];
    expect(byGroup.map((r) => [r.key, r.customers]).sort()).toEqual([['At risk', 1], ['Need attention', 1], ['Potential loyalist', 1]]);
    const booked = await call('POST', '/v1/events', {
      key: small,
      body: { eventId: 'small-brief', type: 'booking.created', occurredAt: '2026-11-29T10:00:00Z', customer: { email: 's0@example.it' }, data: { bookingId: 'small-b', date: '2026-12-05', time: '20:00', partySize: 2 } },
    });
    expect(booked.body.brief).toMatchObject({ rfmGroup: 'At risk', atRisk: false });
    await call('PATCH', '/v1/settings', { key: small, body: { autoTags: [] } }).then((res) => expect(res.status).toBe(200));
  });

  it("a city named like a property of every object ('constructor', '__proto__') is counted as a city, and nothing else changes", async () => {
    const byCity = (await call('GET', '/v1/insights/breakdown?by=city', { key: small })).body.items as { key: string; customers: number }[];
    expect(byCity.map((r) => [r.key, r.customers]).sort()).toEqual([
      ['Bari', 1],
      ['__proto__', 1],
      ['constructor', 1],
    ]);
    // Counting them set nothing on every object of the process.
    expect(({} as Record<string, unknown>).customers).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>).customers).toBeUndefined();
  });

  it('the card shows its insights (favourite items included); GET card and the list agree', async () => {
    const [c] = await list(`q=${encodeURIComponent(email(BUSY))}`);
    const cardView = (await call('GET', `/v1/customers/${c!.id}`, { key: sk })).body;
    const n = new Set(ordersOf(BUSY).map((o) => o.at.toISOString().slice(0, 10))).size;
    const { recency, frequency, monetary, score } = cardView.insights.rfm;
    for (const v of [recency, frequency, monetary]) expect([1, 2, 3, 4, 5]).toContain(v);
    expect(score).toBe(`${recency}${frequency}${monetary}`);
    expect(cardView.insights).toMatchObject({
      rfm: { occasions: n, spent: spent(BUSY), days: expect.any(Number), group: expect.any(String) },
      purchases: { x: n - 1 },
      favouriteItems: [{ sku: BUSY % 2 ? 'tiramisu' : 'carbonara', quantity: ordersOf(BUSY).length }],
    });
    expect(cardView.insights.pAlive).toBeGreaterThan(0);
    expect(c!.insights).toEqual(cardView.insights);
    expect(cardView).not.toHaveProperty('purchaseMonths');
  });

  it('forecast: stored horizons and interpolation between them', async () => {
    const f30 = (await call('GET', '/v1/insights/forecast?days=30', { key: sk })).body;
    const f60 = (await call('GET', '/v1/insights/forecast?days=60', { key: sk })).body;
    const f45 = (await call('GET', '/v1/insights/forecast?days=45', { key: sk })).body;
    expect(f30.expectedPurchases).toBeGreaterThan(0);
    expect(f60.expectedPurchases).toBeGreaterThan(f30.expectedPurchases);
    expect(f45.expectedPurchases).toBeCloseTo((f30.expectedPurchases + f60.expectedPurchases) / 2, 1);
    const bad = await call('GET', '/v1/insights/forecast?days=-1', { key: sk });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors[0].path).toBe('days');
  });

  it('breakdown by city and by RFM group', async () => {
    const byCity = (await call('GET', '/v1/insights/breakdown?by=city', { key: sk })).body.items as { key: string; customers: number; revenue: number; orders: number; averageOrderValue: number }[];
    expect(byCity.map((r) => r.key).sort()).toEqual(['Forlì', 'Milano', 'Roma']);
    expect(byCity.reduce((n, r) => n + r.customers, 0)).toBe(30);
    const revenue = ORDERS.reduce((n, o) => n + o.total, 0) + 9000;
    expect(byCity.reduce((n, r) => n + r.revenue, 0)).toBe(revenue);
    for (const r of byCity) expect(r.averageOrderValue).toBe(Math.round(r.revenue / r.orders));
    const byGroup = (await call('GET', '/v1/insights/breakdown?by=rfmGroup', { key: sk })).body.items as { customers: number }[];
    expect(byGroup.reduce((n, r) => n + r.customers, 0)).toBe(30);
    expect((await call('GET', '/v1/insights/breakdown?by=shoeSize', { key: sk })).status).toBe(400);
  });

  it('top customers by clv12m, pAlive and totalSpent, in the list shape', async () => {
    const top = (await call('GET', '/v1/insights/top-customers?by=clv12m&limit=5', { key: sk })).body;
    expect(top.items).toHaveLength(5);
    const clv = top.items.map((c: { insights: { clv12m: number } }) => c.insights.clv12m);
    expect(clv).toEqual([...clv].sort((a, b) => b - a));
    const all = await list('sort=firstContactAt');
    expect(clv[0]).toBe(Math.max(...all.map((c) => c.insights?.clv12m ?? 0)));
    const bySpend = (await call('GET', '/v1/insights/top-customers?by=totalSpent&limit=3', { key: sk })).body.items;
    expect(bySpend[0].email).toBe(email(BIGGEST));
    const alive = (await call('GET', '/v1/insights/top-customers?by=pAlive&limit=3', { key: sk })).body.items;
    expect(alive).toHaveLength(3);
  });

  it('filters rfmGroup and atRisk in the list', async () => {
    const all = await list('sort=firstContactAt');
    const group = all[0]!.insights!.rfm.group;
    const inGroup = await list(`rfmGroup=${encodeURIComponent(group)}`);
    expect(inGroup.map((c) => c.id).sort()).toEqual(all.filter((c) => c.insights?.rfm.group === group).map((c) => c.id).sort());
    const atRisk = await list('atRisk=true');
    expect(atRisk.length).toBeGreaterThan(0);
    expect(atRisk.map((c) => c.id).sort()).toEqual(all.filter((c) => c.insights?.atRisk).map((c) => c.id).sort());
    expect((await call('GET', '/v1/customers?rfmGroup=Heroes', { key: sk })).status).toBe(400);
  });

  it('exports: CSV insight columns with an atRisk filter; JSON Lines rows carry the insights object', async () => {
    const all = await list('sort=firstContactAt');
    const atRisk = all.filter((c) => c.insights?.atRisk);
    const res = await call('POST', '/v1/exports', { key: sk, body: { filter: { atRisk: true }, columns: ['email', 'insights.rfm.group', 'insights.atRisk', 'insights.clv12m', 'insights.rfm.recency', 'insights.rfm.days'] } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await exportRunner.idle();
    const view = (await call('GET', `/v1/exports/${res.body.exportId}`, { key: sk })).body;
    expect(view).toMatchObject({ status: 'completed', rowCount: atRisk.length });
    const text = (await (await fetch(view.url)).text()).replace(/^\uFEFF/, '');
    const [head, ...rows] = text.trim().split('\r\n');
    // Headed in the tenant's language like the other columns (English here), not by their API paths.
    expect(head).toBe('Email,RFM group,Drifting away,Customer lifetime value 12 months (minor units),RFM recency (1-5),Days since last purchase');
    const byEmail = new Map(all.map((c) => [c.email, c]));
    for (const row of rows) {
      const [mail, group, risk, clv, recency, days] = row.split(',');
      expect(group).toBe(byEmail.get(mail!)!.insights!.rfm.group);
      // The recency score 1–5, and the days it scores.
      expect(recency).toMatch(/^[1-5]$/);
      expect(recency).toBe(String(byEmail.get(mail!)!.insights!.rfm.recency));
      expect(days).toBe(String(byEmail.get(mail!)!.insights!.rfm.days));
      expect(risk).toBe('true');
      expect(clv).toBe(String(byEmail.get(mail!)!.insights!.clv12m ?? ''));
    }
    const jl = await call('POST', '/v1/exports', { key: sk, body: { filter: { rfmGroup: [atRisk[0]!.insights!.rfm.group] }, format: 'jsonl', columns: ['id', 'insights'] } });
    await exportRunner.idle();
    const jlView = (await call('GET', `/v1/exports/${jl.body.exportId}`, { key: sk })).body;
    const lines = (await (await fetch(jlView.url)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.insights).toEqual(all.find((c) => c.id === line.id)!.insights);
  });

  it('a booking answers with a guest brief that reflects the insights', async () => {
    const all = await list('sort=firstContactAt');
    const c = all.find((x) => x.insights)!;
    const res = await call('POST', '/v1/events', {
      key: sk,
      body: { eventId: 'brief-1', type: 'booking.created', occurredAt: '2026-11-29T10:00:00Z', customer: { email: c.email }, data: { bookingId: 'brief-b', date: '2026-12-05', time: '20:00', partySize: 2 } },
    });
    expect(res.body.brief).toMatchObject({ rfmGroup: c.insights!.rfm.group, atRisk: c.insights!.atRisk });
    // Before any recompute a new guest's brief says null.
    const fresh = await call('POST', '/v1/events', {
      key: sk,
      body: { eventId: 'brief-2', type: 'booking.created', occurredAt: '2026-11-29T10:00:00Z', customer: { email: 'newguest@example.it' }, data: { bookingId: 'brief-c', date: '2026-12-05', time: '20:00', partySize: 2 } },
    });
    expect(fresh.body.brief).toMatchObject({ rfmGroup: null, atRisk: null });
  });

  it('a second recompute with no new events writes no card', async () => {
    const before = await list('sort=firstContactAt');
    const again = await runRecompute(sk);
    expect(again).toMatchObject({ status: 'completed', counts: { customers: 31, purchasers: 30, cardsUpdated: 0 } }); // 31: the new guest of the brief test
    const after = await list('sort=firstContactAt');
    expect(after.map((c) => c.version)).toEqual(before.map((c) => c.version));
  });

  it('automatic tags: given by a rule after a recompute, taken away when the rule no longer matches, never a hand-set tag', async () => {
    const all = await list('sort=firstContactAt');
    const champions = all.filter((c) => c.insights?.rfm.group === 'Champions');
    expect(champions.length).toBeGreaterThan(0);
    // A hand-set VIP on a non-champion stays whatever happens.
    const other = all.find((c) => c.insights?.rfm.group !== 'Champions')!;
    expect((await call('PATCH', `/v1/customers/${other.id}`, { key: sk, body: { tags: ['VIP'] } })).status).toBe(200);
    const patch = await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'vip', filter: { rfmGroup: 'Champions' } }] } });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    await runRecompute(sk);
    const tagged = await list('tags=VIP');
    expect(tagged.map((c) => c.id).sort()).toEqual([...champions.map((c) => c.id), other.id].sort());
    // The rule changes: the champions lose the tag the rule gave; the hand-set one stays.
    await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'VIP', filter: { rfmGroup: ['Heroes-never'] } }] } }).then((r) => expect(r.status).toBe(400));
    await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'VIP', filter: { minSpent: 10_000_000 } }] } }).then((r) => expect(r.status).toBe(200));
    await runRecompute(sk);
    expect((await list('tags=VIP')).map((c) => c.id)).toEqual([other.id]);
    // Invalid rules are 400s naming the field.
    const bad = await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'Nope', filter: { colour: 'red' } }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['autoTags.0.filter', 'autoTags.0.tag'].sort());
  }, LONG_TIMEOUT_MS);

  it('automatic tags on events: the card gets the tag when an event makes it match and loses it when it stops', async () => {
    await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'Local', filter: { city: ['Forlì'] } }] } }).then((r) => expect(r.status).toBe(200));
    const send = (city: string, occurredAt: string) =>
      call('POST', '/v1/events', { key: sk, body: { eventId: `city-${Date.parse(occurredAt)}`, type: 'contact_form.submitted', occurredAt, customer: { email: 'walker@example.it', city }, data: { message: 'ciao' } } });
    const a = (await send('Forlì', '2026-11-01T10:00:00Z')).body;
    expect(a.customerId, JSON.stringify(a)).toBeDefined();
    expect((await call('GET', `/v1/customers/${a.customerId}`, { key: sk })).body.tags).toEqual(['Local']);
    await send('Roma', '2026-11-02T10:00:00Z');
    expect((await call('GET', `/v1/customers/${a.customerId}`, { key: sk })).body.tags).toEqual([]);
    await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [] } });
  });

  it('a recompute as of a past date ignores later purchases', async () => {
    const past = await runRecompute(sk, { asOf: '2026-06-30' });
    expect(past.status).toBe('completed');
    const [c] = await list(`q=${encodeURIComponent(email(BUSY))}`);
    const before = ORDERS.filter((o) => o.customer === BUSY && o.at < new Date('2026-06-30T22:00:00Z')).length;
    expect((c!.insights as unknown as { rfm: { occasions: number } } | undefined)?.rfm.occasions ?? 0).toBe(before);
    const s = (await call('GET', '/v1/insights/summary', { key: sk })).body;
    expect(s.asOf).toBe('2026-06-30T21:59:59.999Z');
    const early = ORDERS.filter((o) => o.at < new Date('2026-06-30T22:00:00Z'));
    expect(s.purchasers).toBe(new Set(early.map((o) => o.customer)).size);
    // The breakdown is as of that day too: its orders and revenue are the purchases up to it, not today's card totals.
    const byCity = (await call('GET', '/v1/insights/breakdown?by=city', { key: sk })).body.items as { customers: number; revenue: number; orders: number }[];
    expect(byCity.reduce((n, r) => n + r.orders, 0)).toBe(early.length);
    expect(byCity.reduce((n, r) => n + r.revenue, 0)).toBe(early.reduce((n, o) => n + o.total, 0));
    expect(past.counts.purchases).toBe(early.length);
    // And its customers are those the business had then: 'walker' and the brief's new guest came in November.
    expect(s.customers).toBe(new Set(early.map((o) => o.customer)).size);
    expect(byCity.reduce((n, r) => n + r.customers, 0)).toBe(s.customers);
    expect((await call('POST', '/v1/insights/recompute', { key: sk, body: { asOf: '2099-01-01' } })).status).toBe(400);
  });

  it('erasure removes the person’s purchases; the next recompute no longer counts them; the monthly figures keep their revenue', async () => {
    const [c] = await list(`q=${encodeURIComponent(email(7))}`);
    const monthsBefore = (await call('GET', '/v1/insights/summary', { key: sk })).body.months;
    expect((await call('DELETE', `/v1/customers/${c!.id}`, { key: sk })).status).toBe(204);
    // The business's months are history without personal data: what the person bought stays in them.
    expect((await call('GET', '/v1/insights/summary', { key: sk })).body.months).toEqual(monthsBefore);
    const { keys, insightKeys } = await import('../../shared/store/keys.ts');
    const left = await env.db.send(
      new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)', ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(TENANT, keys.customerShard(c!.id)), ':id': `${c!.id}#` } }),
    );
    expect(left.Items).toEqual([]);
    const r = await runRecompute(sk);
    // 29 purchasers left; 31 cards: the 29 and the two the brief and automatic-tag tests created (no purchase).
    expect(r.counts).toMatchObject({ purchasers: 29, customers: 31 });
    expect(r.counts.purchases).toBe(ORDERS.length + 1 - ORDERS.filter((o) => o.customer === 7).length);
    const top = (await call('GET', '/v1/insights/top-customers?by=clv12m&limit=100', { key: sk })).body.items as { id: string }[];
    expect(top.map((t) => t.id)).not.toContain(c!.id);
  });

  it('tenant isolation and key scopes: another tenant sees its own figures, a foreign recompute id is a 404, read keys cannot recompute', async () => {
    const mine = (await call('POST', '/v1/insights/recompute', { key: sk, body: {} })).body.recomputeId;
    await runner.idle();
    expect((await call('GET', `/v1/insights/recompute/${mine}`, { key: small })).status).toBe(404);
    expect((await call('GET', '/v1/insights/summary', { key: small })).body.purchasers).toBe(3);
    const theirs = (await call('GET', '/v1/insights/top-customers?by=totalSpent&limit=10', { key: small })).body.items;
    expect(theirs.every((c: { email: string }) => c.email.startsWith('s'))).toBe(true);
    expect((await call('GET', '/v1/insights/summary', { key: readKey })).status).toBe(200);
    expect((await call('POST', '/v1/insights/recompute', { key: readKey, body: {} })).status).toBe(403);
  });

  it('a merge moves the other person’s purchases to the survivor (they count once, under the survivor)', async () => {
    const order = async (mail: string, orderId: string, total: number) =>
      (
        await call('POST', '/v1/events', {
          key: sk,
          body: { eventId: `m-${orderId}`, type: 'order.completed', occurredAt: '2026-10-01T10:00:00Z', customer: { email: mail }, data: { orderId, currency: 'EUR', total, items: [{ sku: 'x', name: 'X', quantity: 1, unitPrice: total }] } },
        })
      ).body.customerId as string;
    const survivor = await order('merge.a@example.it', 'ma', 1000);
    const other = await order('merge.b@example.it', 'mb', 2000);
    const merged = await call('POST', `/v1/customers/${survivor}/merge`, { key: sk, body: { otherId: other } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    const { keys, insightKeys } = await import('../../shared/store/keys.ts');
    const of = async (id: string) =>
      (
        await env.db.send(
          new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)', ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(TENANT, keys.customerShard(id)), ':id': `${id}#` }, ConsistentRead: true }),
        )
      ).Items ?? [];
    expect(await of(other)).toEqual([]);
    expect((await of(survivor)).map((p) => [p.id, p.amount, p.customerId]).sort()).toEqual([
      ['ma', 1000, survivor],
      ['mb', 2000, survivor],
    ]);
  });

  it('a merge leaves the monthly figures and purchases as if the events had named one person from the start, and a repeated merge changes nothing', async () => {
    // Tenant "due": the events name two people (x and y), then y is merged into x. Tenant "uno": the same
    // events all name x. They share a booking (created for x, completed for y) and an order (a later,
    // corrected total sent for y): those later events join x's card, where the booking and the order live
    // (docs/api.md Events), so y's card is the one y's own first event made.
    const { stores } = await import('../../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    const keyOf: Record<string, string> = {};
    for (const t of ['merge-due', 'merge-uno']) {
      await ensureTenant(stores().tenants, t);
      keyOf[t] = (await issueKey(stores().tenants, t, 'secret')).key;
    }
    const events: [who: 'x' | 'y', event: Record<string, unknown>][] = [
      ['x', { type: 'order.completed', occurredAt: '2026-03-10T10:00:00Z', data: { orderId: 'o1', currency: 'EUR', total: 1000, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 1000 }] } }],
      ['y', { type: 'order.completed', occurredAt: '2026-05-10T10:00:00Z', data: { orderId: 'o2', currency: 'EUR', total: 2000, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 2000 }] } }],
      ['y', { type: 'order.completed', occurredAt: '2026-03-20T10:00:00Z', data: { orderId: 'o3', currency: 'EUR', total: 500, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 500 }] } }],
      ['x', { type: 'booking.created', occurredAt: '2026-05-20T10:00:00Z', data: { bookingId: 'bs', date: '2026-06-01', time: '20:00', partySize: 2 } }],
      ['y', { type: 'booking.completed', occurredAt: '2026-06-01T21:00:00Z', data: { bookingId: 'bs', amount: 3000 } }],
      ['x', { type: 'order.completed', occurredAt: '2026-07-01T10:00:00Z', data: { orderId: 'o4', currency: 'EUR', total: 800, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 800 }] } }],
      ['y', { type: 'order.completed', occurredAt: '2026-07-02T10:00:00Z', data: { orderId: 'o4', currency: 'EUR', total: 900, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 900 }] } }],
    ];
    const ids: Record<string, string> = {};
    let n = 0;
    for (const [who, event] of events) {
      for (const t of ['merge-due', 'merge-uno']) {
        const mail = t === 'merge-uno' || who === 'x' ? 'x@example.it' : 'y@example.it';
        const res = await call('POST', '/v1/events', { key: keyOf[t], body: { eventId: `mg${n++}`, customer: { email: mail }, ...event } });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        ids[`${t}:${mail}`] ??= res.body.customerId;
      }
    }
    const months = async (t: string) => (await call('GET', '/v1/insights/summary', { key: keyOf[t] })).body.months;
    const separate = await months('merge-due');
    expect(separate).not.toEqual(await months('merge-uno')); // two people so far: two new customers
    const [x, y] = [ids['merge-due:x@example.it']!, ids['merge-due:y@example.it']!];
    const merged = await call('POST', `/v1/customers/${x}/merge`, { key: keyOf['merge-due'], body: { otherId: y } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    const expected = await months('merge-uno');
    expect(expected.map((m: { month: string }) => m.month)).toEqual(['2026-03', '2026-05', '2026-06', '2026-07']);
    expect(await months('merge-due')).toEqual(expected);

    const { keys, insightKeys } = await import('../../shared/store/keys.ts');
    const purchasesOf = async (t: string, id: string) =>
      (
        (
          await env.db.send(
            new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)', ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(t, keys.customerShard(id)), ':id': `${id}#` }, ConsistentRead: true }),
          )
        ).Items ?? []
      )
        .map((p) => [p.kind, p.id, p.at, p.amount])
        .sort();
    expect(await purchasesOf('merge-due', y)).toEqual([]);
    expect(await purchasesOf('merge-due', x)).toEqual(await purchasesOf('merge-uno', ids['merge-uno:x@example.it']!));
    expect((await purchasesOf('merge-due', x)).length).toBe(5);

    // The same request again (a retry): nothing counted twice.
    expect((await call('POST', `/v1/customers/${x}/merge`, { key: keyOf['merge-due'], body: { otherId: y } })).status).toBe(200);
    expect(await months('merge-due')).toEqual(expected);
    // And a later event for the merged person counts as theirs, returning, not new.
    for (const t of ['merge-due', 'merge-uno']) {
      const res = await call('POST', '/v1/events', { key: keyOf[t], body: { eventId: `mg-late-${t}`, type: 'order.completed', occurredAt: '2026-08-05T10:00:00Z', customer: { email: t === 'merge-uno' ? 'x@example.it' : 'y@example.it' }, data: { orderId: 'o5', currency: 'EUR', total: 700, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 700 }] } } });
      expect(res.status).toBe(200);
    }
    expect(await months('merge-due')).toEqual(await months('merge-uno'));
  });
});
