import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { WorkflowRunner } from '../../local/step-functions.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Baskets and words end to end (issue 14): orders and messages in through POST /v1/events, a recompute
 * through POST /v1/insights/recompute run by the local runner on the state machine CDK synthesises (DynamoDB
 * Local, s3rver), then rules, also-bought, recommendations, the `bought` filter and keywords out.
 *
 * The baskets, 31 orders (figures worked out by hand below):
 *   customers 0–9:   [MENU-DEG, WINE-PAIR] and [CAFFE]        → 20 orders
 *   customers 10–14: [MENU-DEG, TIRAMISU]                     →  5 orders
 *   customers 15–19: [PASTA-GF, TIRAMISU]                     →  5 orders
 *   customer 20:     [MENU-DEG] (a line of it twice)          →  1 order
 * n(MENU) = 16, n(WINE) = 10, n(TIRAMISU) = 10, n(PASTA) = 5, n(CAFFE) = 10; both: MENU+WINE 10,
 * MENU+TIRAMISU 5, PASTA+TIRAMISU 5.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let runner: WorkflowRunner;
let exportRunner: WorkflowRunner;
let sk: string;
let other: string;
const TENANT = 'trattoria';
const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-sfn-'));
const NOW = Date.now();
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();
const email = (i: number) => `t${i}@example.it`;
const NAMES: Record<string, string> = { 'MENU-DEG': 'Menu degustazione', 'WINE-PAIR': 'Abbinamento vini', 'TIRAMISU': 'Tiramisù', 'PASTA-GF': 'Pasta senza glutine', CAFFE: 'Caffè' };
const N = 31;
const ids = new Map<number, string>();
let n = 0;

async function send(key: string, event: Record<string, unknown>) {
  const res = await call('POST', '/v1/events', { key, body: { eventId: `bw${n++}`, ...event } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { customerId: string };
}
const order = async (i: number, skus: string[], ago: number) => {
  const items = skus.map((sku) => ({ sku, name: NAMES[sku], quantity: 1, unitPrice: 1000 }));
  const r = await send(sk, { type: 'order.completed', occurredAt: daysAgo(ago), customer: { email: email(i), language: 'it' }, data: { orderId: `o${i}-${ago}`, currency: 'EUR', total: 1000 * items.length, items } });
  ids.set(i, r.customerId);
};

/** What the customers wrote. Everyone is a Rossi and signs with their name, email and phone: none of it may become a keyword. */
const WRITERS = [
  { i: 21, firstName: 'Anna', lastName: 'Rossi' },
  { i: 22, firstName: 'Luca', lastName: 'Rossi' },
  { i: 23, firstName: 'Sara', lastName: 'Rossi' },
  { i: 24, firstName: 'Mario', lastName: 'Rossi' },
  { i: 25, firstName: 'Paolo', lastName: 'Verdi' },
  { i: 26, firstName: 'Elena', lastName: 'Neri' },
];
const writer = (i: number) => {
  const w = WRITERS.find((x) => x.i === i)!;
  return { email: email(i), firstName: w.firstName, lastName: w.lastName, language: 'it' };
};

async function runRecompute() {
  const res = await call('POST', '/v1/insights/recompute', { key: sk, body: {} });
  expect(res.status).toBe(202);
  await runner.idle();
  const view = await call('GET', `/v1/insights/recompute/${res.body.recomputeId}`, { key: sk });
  expect(view.body.status, JSON.stringify(view.body)).toBe('completed');
  return view.body;
}
const get = async (url: string, key = sk) => {
  const res = await call('GET', url, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const pair = (r: { lhs: { sku: string }; rhs: { sku: string } }) => `${r.lhs.sku}→${r.rhs.sku}`;

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { insightsWorkflowRunner, exportWorkflowRunner } = await import('../../local/step-functions.ts');
  const { registerInsightsRunner, registerExportRunner } = await import('../../local/workflow-port.ts');
  await ensureTenant(stores().tenants, TENANT);
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  await ensureTenant(stores().tenants, 'pasticceria');
  other = (await issueKey(stores().tenants, 'pasticceria', 'secret')).key;
  runner = await insightsWorkflowRunner({ cacheDir, log: () => undefined, retryIntervalMs: 5 });
  registerInsightsRunner(runner);
  exportRunner = await exportWorkflowRunner({ cacheDir, log: () => undefined });
  registerExportRunner(exportRunner);

  for (let i = 0; i < 10; i++) {
    await order(i, ['MENU-DEG', 'WINE-PAIR'], 40 + i);
    await order(i, ['CAFFE'], 20 + i);
  }
  for (let i = 10; i < 15; i++) await order(i, ['MENU-DEG', 'TIRAMISU'], 30 + i);
  for (let i = 15; i < 20; i++) await order(i, ['PASTA-GF', 'TIRAMISU'], 30 + i);
  await order(20, ['MENU-DEG', 'MENU-DEG'], 5);

  // This period (the 30 days before the recompute): "senza glutine" 5 texts by 4 customers, "tavolo"/"tavoli" 3 by 3.
  const message = (i: number, ago: number, text: string) => send(sk, { type: 'message.received', occurredAt: daysAgo(ago), customer: writer(i), data: { text, channel: 'email' } });
  await message(21, 5, 'Avete un menu senza glutine? Vorrei un tavolo per sabato. Anna Rossi, anna.rossi@example.it, +39 333 1234567');
  await message(21, 3, 'Senza glutine anche i dolci? Grazie, Anna Rossi - prenotazioni@example.it');
  await send(sk, {
    type: 'contact_form.submitted',
    occurredAt: daysAgo(8),
    customer: writer(22),
    data: { message: 'Il menu senza glutine è disponibile a pranzo? Un tavolo per due. Luca Rossi 333 1234568 luca@example.it prenotazioni@example.it' },
  });
  await send(sk, { type: 'review.submitted', occurredAt: daysAgo(12), customer: writer(23), data: { rating: 5, text: 'Ottimi piatti senza glutine, tavoli vicino alla finestra. Sara Rossi sara.rossi@example.com' } });
  await message(24, 2, 'Menù senza glutine per 4 persone? Mario Rossi, +39 333 765 4321');
  // The previous period (30 to 60 days before): "tavolo" 3 texts by 2 customers.
  await message(25, 40, 'Un tavolo per stasera, grazie. Paolo Verdi');
  await message(26, 45, "Avete un tavolo all'aperto? Elena Neri");
  await message(25, 50, 'Tavolo per sei persone. Paolo Verdi');
  // Another tenant's orders and words never show here.
  await send(other, { type: 'order.completed', occurredAt: daysAgo(3), customer: { email: 'x@example.it' }, data: { orderId: 'p1', currency: 'EUR', total: 500, items: [{ sku: 'MENU-DEG', name: 'Altro', quantity: 1, unitPrice: 250 }, { sku: 'CANNOLO', name: 'Cannolo', quantity: 1, unitPrice: 250 }] } });
}, 240_000);

afterAll(async () => {
  await runner?.stop();
  await exportRunner?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('before any recompute', () => {
  it('rules, keywords and recommendations answer empty, not an error', async () => {
    expect(await get('/v1/insights/rules')).toEqual({ asOf: null, orders: 0, customers: 0, items: [], nextCursor: null });
    expect((await get('/v1/insights/keywords')).items).toEqual([]);
  });
});

describe('after a recompute', () => {
  it('the recompute completes', async () => {
    await runRecompute();
  }, 180_000);

  it('rules: support, confidence and lift as hand-computed, sorted by lift, with the counts behind them', async () => {
    const body = await get('/v1/insights/rules');
    expect(body).toMatchObject({ orders: N, customers: 21, nextCursor: null });
    expect(body.items.map(pair)).toEqual(['PASTA-GF→TIRAMISU', 'TIRAMISU→PASTA-GF', 'MENU-DEG→WINE-PAIR', 'WINE-PAIR→MENU-DEG', 'MENU-DEG→TIRAMISU', 'TIRAMISU→MENU-DEG']);
    const menuWine = body.items[2];
    expect(menuWine.lhs).toEqual({ sku: 'MENU-DEG', name: 'Menu degustazione' });
    expect(menuWine.rhs).toEqual({ sku: 'WINE-PAIR', name: 'Abbinamento vini' });
    expect(menuWine.support).toBeCloseTo(10 / N, 12);
    expect(menuWine.confidence).toBeCloseTo(10 / 16, 12);
    expect(menuWine.lift).toBeCloseTo((10 * N) / (16 * 10), 12);
    expect(menuWine).toMatchObject({ orders: 10, lhsOrders: 16, rhsOrders: 10 });
    expect(body.items[0]).toMatchObject({ confidence: 1, orders: 5, lhsOrders: 5, rhsOrders: 10 });
    expect(body.items[0].lift).toBeCloseTo(3.1, 12);
  });

  it('rules: inclusive thresholds, other sorts and pages that visit every rule once', async () => {
    expect((await get('/v1/insights/rules?minConfidence=0.625')).items.map(pair)).toEqual(['PASTA-GF→TIRAMISU', 'MENU-DEG→WINE-PAIR', 'WINE-PAIR→MENU-DEG']);
    expect((await get(`/v1/insights/rules?minSupport=${10 / N}`)).items.map(pair)).toEqual(['MENU-DEG→WINE-PAIR', 'WINE-PAIR→MENU-DEG']);
    // Confidence 1 twice: more orders first.
    expect((await get('/v1/insights/rules?sort=confidence&limit=2')).items.map(pair)).toEqual(['WINE-PAIR→MENU-DEG', 'PASTA-GF→TIRAMISU']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { lhs: { sku: string }; rhs: { sku: string } }[]; nextCursor: string | null } = await get(`/v1/insights/rules?sort=support&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map(pair));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(seen.slice(0, 2)).toEqual(['MENU-DEG→WINE-PAIR', 'WINE-PAIR→MENU-DEG']);
  });

  it('bad input is a 400 naming the field; a cursor of another list is refused', async () => {
    const bad = async (url: string, field: string) => {
      const res = await call('GET', url, { key: sk });
      expect(res.status, url).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    };
    await bad('/v1/insights/rules?minSupport=2', 'minSupport');
    await bad('/v1/insights/rules?sort=price', 'sort');
    await bad('/v1/insights/rules?cursor=abc', 'cursor');
    const next = (await get('/v1/insights/rules?limit=1')).nextCursor as string;
    await bad(`/v1/insights/also-bought?sku=MENU-DEG&cursor=${next}`, 'cursor');
    await bad('/v1/insights/also-bought', 'sku');
    await bad('/v1/insights/keywords?from=2026-05-01&to=2026-04-01', 'to');
    await bad('/v1/insights/keywords?language=!!', 'language');
    await bad('/v1/insights/keywords?from=0001-01-01&to=9999-12-31', 'from');
    await bad('/v1/insights/keywords?from=1969-12-31T23:59:59Z', 'from');
    await bad('/v1/insights/keywords?to=1969-12-31', 'to');
    // The widest period there is: answered in four-digit years, the previous period from 1970 on.
    const widest = await get('/v1/insights/keywords?from=1970-01-01&to=9999-12-31');
    expect(widest).toMatchObject({ from: '1970-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z', previousFrom: '1970-01-01T00:00:00.000Z' });
    expect(widest.items.length).toBeGreaterThan(0);
    // Dates are the tenant's days (Europe/Rome), as the list filters read them: 31 December 9999 starts at 23:00 UTC the day before.
    const late = await get(`/v1/insights/keywords?from=9999-12-31&to=${encodeURIComponent('9999-12-31T23:00:00-05:00')}`);
    expect(late).toMatchObject({ from: '9999-12-30T23:00:00.000Z', to: '9999-12-31T23:59:59.999Z', items: [] });
    const oneDay = await get('/v1/insights/keywords?from=2026-03-01&to=2026-03-01');
    expect(oneDay).toMatchObject({ from: '2026-02-28T23:00:00.000Z', to: '2026-03-01T23:00:00.000Z', previousFrom: '2026-02-27T23:00:00.000Z' });
    // Summer time: 1 July is 22:00 UTC to 22:00 UTC.
    expect(await get('/v1/insights/keywords?from=2026-07-01&to=2026-07-01')).toMatchObject({ from: '2026-06-30T22:00:00.000Z', to: '2026-07-01T22:00:00.000Z' });
    await bad('/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/recommendations?limit=0', 'limit');
  });

  it('rules cursors are signed and bound to tenant, list and query: altered, foreign or reused elsewhere is a 400 naming cursor', async () => {
    const refused = async (url: string, key = sk) => {
      const res = await call('GET', url, { key });
      expect(res.status, url).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['cursor']);
    };
    const first = await get('/v1/insights/rules?sort=support&limit=2');
    const cursor = first.nextCursor as string;
    // The cursor works where it came from: the next page, none of the first page's rules.
    const second = await get(`/v1/insights/rules?sort=support&limit=2&cursor=${cursor}`);
    expect(second.items.map(pair).filter((p: string) => first.items.map(pair).includes(p))).toEqual([]);

    // Altered: the same envelope with another offset (whatever signature it carried kept as it was).
    const [body, ...rest] = cursor.split('.');
    const envelope = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as { p: unknown };
    const altered = [Buffer.from(JSON.stringify({ ...envelope, p: 4 })).toString('base64url'), ...rest].join('.');
    expect(altered).not.toBe(cursor);
    await refused(`/v1/insights/rules?sort=support&limit=2&cursor=${altered}`);
    // Hand-made without a signature (what an offset cursor used to be).
    await refused(`/v1/insights/rules?sort=support&limit=2&cursor=${body}`);
    // Another tenant.
    await refused(`/v1/insights/rules?sort=support&limit=2&cursor=${cursor}`, other);
    // The same list asked another way: other sort, other thresholds.
    await refused(`/v1/insights/rules?sort=lift&limit=2&cursor=${cursor}`);
    await refused(`/v1/insights/rules?sort=support&minConfidence=0.5&limit=2&cursor=${cursor}`);
    // Another list: also-bought, and also-bought of another SKU.
    await refused(`/v1/insights/also-bought?sku=MENU-DEG&sort=support&limit=2&cursor=${cursor}`);
    const menu = await get('/v1/insights/also-bought?sku=MENU-DEG&limit=1');
    expect(menu.items.map(pair)).toEqual(['MENU-DEG→WINE-PAIR']);
    expect((await get(`/v1/insights/also-bought?sku=MENU-DEG&limit=1&cursor=${menu.nextCursor}`)).items.map(pair)).toEqual(['MENU-DEG→TIRAMISU']);
    await refused(`/v1/insights/also-bought?sku=TIRAMISU&limit=1&cursor=${menu.nextCursor}`);
  });

  it('also-bought: the rules of one SKU; an unknown SKU has none', async () => {
    const body = await get('/v1/insights/also-bought?sku=MENU-DEG');
    expect(body.items.map(pair)).toEqual(['MENU-DEG→WINE-PAIR', 'MENU-DEG→TIRAMISU']);
    expect(body.items[1].lift).toBeCloseTo((5 * N) / (16 * 10), 12);
    expect((await get('/v1/insights/also-bought?sku=NOPE')).items).toEqual([]);
  });

  it('recommendations: what the customer has not bought, strongest first, with the SKUs that led to it', async () => {
    expect((await get(`/v1/customers/${ids.get(20)}/recommendations`)).items).toEqual([{ sku: 'WINE-PAIR', name: 'Abbinamento vini', score: 0.625 * 1.9375, because: ['MENU-DEG'] }]);
    const both = (await get(`/v1/customers/${ids.get(10)}/recommendations`)).items;
    // TIRAMISU→PASTA-GF: confidence 0.5 × lift 3.1 capped at 3 = 1.5, before MENU-DEG→WINE-PAIR's 1.21.
    expect(both.map((r: { sku: string; because: string[] }) => [r.sku, r.because])).toEqual([
      ['PASTA-GF', ['TIRAMISU']],
      ['WINE-PAIR', ['MENU-DEG']],
    ]);
    expect((await get(`/v1/customers/${ids.get(10)}/recommendations?limit=1`)).items).toHaveLength(1);
    // They bought everything their rules point to (lift ≤ 1 is no reason).
    expect((await get(`/v1/customers/${ids.get(0)}/recommendations`)).items).toEqual([]);
    expect((await call('GET', '/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/recommendations', { key: sk })).status).toBe(404);
    expect((await call('GET', `/v1/customers/${ids.get(10)}/recommendations`, { key: other })).status).toBe(404);
  });

  it('the card shows favourite items, and not the internal recommendations', async () => {
    const card = await get(`/v1/customers/${ids.get(20)}`);
    expect(card.insights.favouriteItems).toEqual([{ sku: 'MENU-DEG', name: 'Menu degustazione', quantity: 2 }]);
    expect(card.insights.recommendations).toBeUndefined();
    expect(card.insights.bought).toBeUndefined();
  });

  it('the GDPR access export shows everything held: the card’s insights with the suggestions made and the SKUs bought', async () => {
    const exported = await get(`/v1/customers/${ids.get(20)}/export`);
    const card = await get(`/v1/customers/${ids.get(20)}`);
    const suggested = (await get(`/v1/customers/${ids.get(20)}/recommendations`)).items;
    expect(suggested.length).toBeGreaterThan(0);
    expect(exported.customer.insights).toEqual({ ...card.insights, recommendations: suggested, bought: ['MENU-DEG'] });
  });

  it('the bought filter: lists, segments and exports ("everyone who bought the gluten-free pasta")', async () => {
    const emails = (items: { email: string }[]) => items.map((c) => c.email).sort();
    const gf = [15, 16, 17, 18, 19].map(email).sort();
    expect(emails((await get('/v1/customers?bought=PASTA-GF&limit=100')).items)).toEqual(gf);
    expect(emails((await get('/v1/customers?bought=PASTA-GF,WINE-PAIR&limit=100')).items)).toEqual([...gf, ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(email)].sort());
    expect((await get('/v1/customers?bought=NOPE')).items).toEqual([]);
    const seg = await call('POST', '/v1/segments', { key: sk, body: { name: 'Senza glutine', filter: { bought: 'PASTA-GF' } } });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    expect(emails((await get(`/v1/segments/${seg.body.id}/customers?limit=100`)).items)).toEqual(gf);
    const started = await call('POST', '/v1/exports', { key: sk, body: { filter: { bought: ['PASTA-GF'] }, format: 'jsonl' } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await exportRunner.idle();
    const view = await get(`/v1/exports/${started.body.exportId}`);
    expect(view).toMatchObject({ status: 'completed', rowCount: 5 });
    const rows = (await (await fetch(view.url)).text()).trim().split('\n').map((l) => JSON.parse(l) as { email: string });
    expect(emails(rows)).toEqual(gf);
  }, 120_000);

  it('keywords: words and phrases of the period against the previous one; no email, phone or own name', async () => {
    const body = await get('/v1/insights/keywords?limit=100');
    expect(body).toMatchObject({ texts: 5, previousTexts: 3, customers: 4, language: null });
    const item = (term: string) => body.items.find((i: { term: string }) => i.term === term);
    expect(item('senza glutine')).toEqual({ term: 'senza glutine', count: 5, customers: 4, previousCount: 0, trend: 6 });
    expect(item('glutine')).toEqual({ term: 'glutine', count: 5, customers: 4, previousCount: 0, trend: 6 });
    expect(item('tavolo')).toEqual({ term: 'tavolo', count: 3, customers: 3, previousCount: 3, trend: 1 });
    // Ranked by rise: the new phrase before the steady word.
    const terms = body.items.map((i: { term: string }) => i.term) as string[];
    expect(terms.indexOf('senza glutine')).toBeLessThan(terms.indexOf('tavolo'));
    for (const term of terms) {
      expect(term).not.toMatch(/rossi|anna|luca|sara|mario|example|prenotazioni|@|\d{3}/);
    }
    // Inflections grouped: "tavolo" (twice) and "tavoli" are one term, shown in the more frequent form.
    expect(terms).not.toContain('tavoli');
    // An explicit period; a language nobody wrote in.
    const from = daysAgo(30).slice(0, 10);
    const explicit = await get(`/v1/insights/keywords?from=${from}&to=${daysAgo(-1).slice(0, 10)}&limit=100`);
    expect(explicit.items.find((i: { term: string }) => i.term === 'senza glutine')).toMatchObject({ count: 5, customers: 4 });
    expect((await get('/v1/insights/keywords?language=en')).items).toEqual([]);
    expect((await get('/v1/insights/keywords?language=it')).items.length).toBeGreaterThan(0);
    expect((await get('/v1/insights/keywords', other)).items).toEqual([]);
  });

  it('tenant isolation: the other tenant’s rules are its own', async () => {
    // One order there: no pair reaches two orders.
    await runRecompute();
    const theirs = await call('POST', '/v1/insights/recompute', { key: other, body: {} });
    expect(theirs.status).toBe(202);
    await runner.idle();
    expect(await get('/v1/insights/rules', other)).toMatchObject({ orders: 1, customers: 1, items: [] });
    expect((await get('/v1/insights/rules')).orders).toBe(N);
  }, 180_000);
});

describe('merge', () => {
  it('a merge moves the other person’s texts to the survivor, so erasing the survivor removes them too', async () => {
    const write = async (mail: string, eventId: string) =>
      (await call('POST', '/v1/events', { key: sk, body: { eventId, type: 'message.received', occurredAt: daysAgo(1), customer: { email: mail }, data: { text: 'Avete posto domani?', channel: 'sms' } } })).body
        .customerId as string;
    const survivor = await write('merge.a@example.it', 'mt-a');
    const otherId = await write('merge.b@example.it', 'mt-b');
    expect((await call('POST', `/v1/customers/${survivor}/merge`, { key: sk, body: { otherId } })).status).toBe(200);
    const { basketKeys, keys } = await import('../../shared/store/keys.ts');
    const texts = async (id: string) =>
      (
        await env.db.send(
          new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)', ExpressionAttributeValues: { ':pk': basketKeys.textsPk(TENANT, keys.customerShard(id)), ':id': `${id}#` }, ConsistentRead: true }),
        )
      ).Items ?? [];
    expect(await texts(otherId)).toEqual([]);
    expect((await texts(survivor)).map((t) => t.customerId)).toEqual([survivor, survivor]);
    expect((await call('DELETE', `/v1/customers/${survivor}`, { key: sk })).status).toBe(204);
    expect(await texts(survivor)).toEqual([]);
  }, 60_000);
});

describe('erasure', () => {
  it('erasing a customer removes their texts and orders; after the next recompute their words and baskets no longer count', async () => {
    const anna = (await get(`/v1/customers?q=${encodeURIComponent(email(21))}`)).items[0];
    expect((await call('DELETE', `/v1/customers/${anna.id}`, { key: sk })).status).toBe(204);
    const { basketKeys, keys } = await import('../../shared/store/keys.ts');
    const left = await env.db.send(
      new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)', ExpressionAttributeValues: { ':pk': basketKeys.textsPk(TENANT, keys.customerShard(anna.id)), ':id': `${anna.id}#` } }),
    );
    expect(left.Items).toEqual([]);
    expect((await call('DELETE', `/v1/customers/${ids.get(19)}`, { key: sk })).status).toBe(204);

    await runRecompute();
    const body = await get('/v1/insights/keywords?limit=100');
    expect(body).toMatchObject({ texts: 3, customers: 3 });
    expect(body.items.find((i: { term: string }) => i.term === 'senza glutine')).toEqual({ term: 'senza glutine', count: 3, customers: 3, previousCount: 0, trend: 4 });
    const rules = await get('/v1/insights/rules');
    expect(rules).toMatchObject({ orders: N - 1, customers: 20 });
    expect(rules.items.find((r: { lhs: { sku: string }; rhs: { sku: string } }) => pair(r) === 'PASTA-GF→TIRAMISU')).toMatchObject({ orders: 4, lhsOrders: 4, rhsOrders: 9 });
  }, 180_000);
});
