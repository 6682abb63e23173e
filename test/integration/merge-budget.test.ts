import { beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call, type Reply } from '../helpers/invoke.ts';
import { useTestEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { lambdaContext } from '../../local/lambda.ts';
import { LAMBDA_TIMEOUT_MS } from '../support/timeouts.ts';

/**
 * POST /v1/customers/{id}/merge of a customer with a long history, within the invocation's time: the handler
 * is given a remaining time below the safety margin (no clock involved), so every request does the least it
 * may (the switch-over, or one chunk of the move) and answers 202 until everything moved; then 200 with the
 * card, the same as a merge in one go. On DynamoDB Local.
 */
let env: LocalEnv;
let sk: string;
const T = 'osteria-budget';
const EXTRA = 300;

beforeAll(async () => {
  env = await useTestEnv();
  sk = await tenantWithSecretKey(T);
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T12:00:00.000Z`;
const send = async (type: string, customer: Record<string, unknown>, data: Record<string, unknown>, occurredAt = at(1)) => {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, type, occurredAt, customer, data } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.customerId as string;
};

/** A survivor and a duplicate with a consent entry, an order and EXTRA more history entries (written straight into its partition). */
async function pair(): Promise<{ a: string; b: string }> {
  const u = uniq();
  const a = await send('contact_form.submitted', { email: `a-${u}@example.com`, firstName: 'Marta' }, { message: 'a table for two?' });
  const b = await send('order.completed', { email: `b-${u}@example.org`, lastName: 'Bianchi' }, { orderId: `o-${u}`, currency: 'EUR', total: 2500, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: 2500 }] }, at(2));
  await send('newsletter.subscribed', { email: `b-${u}@example.org` }, {}, at(3));
  const extra = Array.from({ length: EXTRA }, (_, i) => ({
    pk: `T#${T}#C#${b}`,
    sk: `H#2026-02-01T00:00:00.000Z#X${u}${String(i).padStart(4, '0')}`,
    entity: 'history',
    customerId: b,
    id: `X${u}${i}`,
    type: 'message.received',
    occurredAt: '2026-02-01T00:00:00.000Z',
    data: { text: `message ${i}`, channel: 'sms' },
    eventId: `x-${u}-${i}`,
  }));
  for (let i = 0; i < extra.length; i += 25) {
    await env.db.send(new BatchWriteCommand({ RequestItems: { [env.tableName]: extra.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  return { a, b };
}

/**
 * The merge handler given `remainingMs` as its invocation's time (a number: always that; a list: one value per
 * time the merge asks, then 0), called with the event API Gateway would send.
 */
async function mergeWithin(remainingMs: number | number[], a: string, b: string): Promise<Reply> {
  const { mergeHandler } = await import('../../functions/customers/merge-customer.handler.ts');
  const path = `/v1/customers/${a}/merge`;
  const event = {
    version: '2.0',
    routeKey: 'POST /v1/customers/{id}/merge',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${sk}`, 'content-type': 'application/json' },
    pathParameters: { id: a },
    body: JSON.stringify({ otherId: b }),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path, sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', userAgent: 'vitest' }, requestId: 'test', routeKey: 'POST /v1/customers/{id}/merge', stage: '$default' },
  } as unknown as APIGatewayProxyEventV2;
  // middy's own early timeout follows the context's real deadline, far away; the merge sees `remainingMs`.
  const left = typeof remainingMs === 'number' ? undefined : [...remainingMs];
  const res = await mergeHandler(() => () => (left ? (left.shift() ?? 0) : (remainingMs as number)))(event, lambdaContext('clientela-MergeCustomer', LAMBDA_TIMEOUT_MS));
  const headers = (res.headers ?? {}) as Record<string, string>;
  return { status: res.statusCode ?? 200, headers, body: res.body ? JSON.parse(res.body) : undefined };
}

/** Sends the merge again while it answers 202 (as the console does), at most `max` times; every answer. */
async function mergeToTheEnd(a: string, b: string, max = 40): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < max; i++) {
    const res = await mergeWithin(0, a, b);
    replies.push(res);
    if (res.status !== 202) return replies;
  }
  throw new Error(`still 202 after ${max} requests`);
}

async function allHistory(id: string) {
  const items: { type: string; occurredAt: string; data: unknown }[] = [];
  let cursor: string | null = null;
  do {
    const res: Reply = await call('GET', `/v1/customers/${id}/history?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key: sk });
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}
/** What the business sees of a history, whoever's ids: the entries' kinds, times and data (each pair's order has an id of its own). */
const contents = (h: { type: string; occurredAt: string; data: unknown }[]) => h.map((e) => JSON.stringify([e.type, e.occurredAt, { ...(e.data as object), orderId: undefined }])).sort();
const partition = async (id: string) =>
  (await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `T#${T}#C#${id}` }, ConsistentRead: true }))).Items ?? [];
/** The card fields a merge decides, to compare a merge in steps with one in one go. */
const merged = (c: Record<string, unknown>) => ({ stats: c.stats, tags: c.tags, consent: { ...(c.consent as object), updatedAt: undefined }, version: c.version, firstName: c.firstName, lastName: c.lastName });

describe('POST /v1/customers/{id}/merge within the invocation’s time', () => {
  it('answers 202 while the history moves, the card usable meanwhile, then 200 with the card a merge in one go gives', async () => {
    const [stepwise, oneGo] = [await pair(), await pair()];
    // The other's entries to move: its EXTRA, the order, the sign-up, and its consent entry.
    const toMove = (await partition(stepwise.b)).filter((i) => /^(H|CONSENT)#/.test(String(i.sk))).length;
    expect(toMove).toBe(EXTRA + 3);

    const first = await mergeWithin(0, stepwise.a, stepwise.b);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['retry-after']).toBe('1');
    expect(first.body).toEqual({ status: 'moving', customerId: stepwise.a, otherId: stepwise.b, moved: 0 });
    // Switched over: the survivor's card is the merged one, the other id leads to it.
    const meanwhile = await call('GET', `/v1/customers/${stepwise.a}`, { key: sk });
    expect(meanwhile.status).toBe(200);
    expect(meanwhile.body).toMatchObject({ lastName: 'Bianchi', stats: { orders: 1, totalSpent: 2500 } });
    expect((await call('GET', `/v1/customers/${stepwise.b}`, { key: sk })).status).toBe(301);

    const rest = await mergeToTheEnd(stepwise.a, stepwise.b);
    const last = rest.pop()!;
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    // Each 202 moved a part (a chunk of at most 100 transaction items), never all of it.
    expect(rest.length).toBeGreaterThan(1);
    for (const r of rest) expect(r.body).toMatchObject({ status: 'moving', customerId: stepwise.a });
    expect([first, ...rest, last].filter((r) => r.status === 202).reduce((sum, r) => sum + r.body.moved, 0)).toBe(toMove);
    expect((await partition(stepwise.b)).map((i) => i.sk)).toEqual(['REDIRECT']);

    const whole = await call('POST', `/v1/customers/${oneGo.a}/merge`, { key: sk, body: { otherId: oneGo.b } });
    expect(whole.status, JSON.stringify(whole.body)).toBe(200);
    expect(merged(last.body)).toEqual(merged(whole.body));
    expect(last.body.history).toHaveLength(whole.body.history.length);
    const history = await allHistory(stepwise.a);
    expect(history).toHaveLength(EXTRA + 3);
    expect(contents(history)).toEqual(contents(await allHistory(oneGo.a)));
    const consents = (await partition(stepwise.a)).filter((i) => String(i.sk).startsWith('CONSENT#'));
    expect(consents).toHaveLength((await partition(oneGo.a)).filter((i) => String(i.sk).startsWith('CONSENT#')).length);

    // Sent again once done: 200, the same card, nothing written.
    const again = await mergeWithin(0, stepwise.a, stepwise.b);
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(last.body.version);
  });

  it('moves as many chunks as the time allows: a request with time left for three goes three chunks further', async () => {
    const { a, b } = await pair();
    // Asked after the switch-over, then before each chunk after the first: time for the first three, then none.
    const first = await mergeWithin([60_000, 60_000, 60_000], a, b);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body.moved).toBe(3 * 49);
    // (and one more for the other's order, moved to the survivor's purchases after the history)
    const second = await mergeWithin([60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000], a, b);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    // Its own sign-up, and the other's EXTRA, order and newsletter sign-up.
    expect(await allHistory(a)).toHaveLength(EXTRA + 3);
    expect((await partition(b)).map((i) => i.sk)).toEqual(['REDIRECT']);
  });

  it('two requests sent at the same moment on a long merge: no 500, every entry moved once, both end on 200', async () => {
    const { a, b } = await pair();
    const toMove = (await partition(b)).filter((i) => /^(H|CONSENT)#/.test(String(i.sk))).length;
    const [one, two] = await Promise.all([mergeToTheEnd(a, b), mergeToTheEnd(a, b)]);
    const replies = [...one, ...two];
    for (const r of replies) expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
    expect(one.at(-1)!.status).toBe(200);
    expect(two.at(-1)!.status).toBe(200);
    // Each entry counted by the one request whose transaction moved it.
    expect(replies.filter((r) => r.status === 202).reduce((sum, r) => sum + r.body.moved, 0)).toBe(toMove);
    const history = await allHistory(a);
    expect(history).toHaveLength(EXTRA + 3);
    expect(new Set(contents(history)).size).toBe(EXTRA + 3);
    expect((await partition(b)).map((i) => i.sk)).toEqual(['REDIRECT']);
  });

  it('moves the other’s texts (the keywords’ collection) within the time too, many a request: a customer with thousands of messages gave a 500', async () => {
    const { textEntity } = await import('../../shared/store/entities.ts');
    const { basketKeys, keys } = await import('../../shared/store/keys.ts');
    const { a, b } = await pair();
    const TEXTS = 120;
    const texts = Array.from({ length: TEXTS }, (_, i) => textEntity.item(T, b, { id: `t${i}`, at: `2026-02-02T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`, text: `senza glutine ${i}` }));
    for (let i = 0; i < texts.length; i += 25) {
      await env.db.send(new BatchWriteCommand({ RequestItems: { [env.tableName]: texts.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    const textsOf = async (id: string) =>
      ((await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': basketKeys.textsPk(T, keys.customerShard(id)), ':p': basketKeys.customerTextsPrefix(id) }, ConsistentRead: true }))).Items ?? []).length;
    const left = [await textsOf(b)];
    let last: Reply | undefined;
    for (let i = 0; i < 60 && last?.status !== 200; i++) {
      last = await mergeWithin(0, a, b);
      expect([200, 202], JSON.stringify(last.body)).toContain(last.status);
      left.push(await textsOf(b));
    }
    expect(last!.status).toBe(200);
    // Some requests moved part of the texts: no request had to move them all (at most 49 a request here).
    expect(left[0]).toBeGreaterThanOrEqual(TEXTS);
    expect(left.some((n) => n > 0 && n < TEXTS)).toBe(true);
    for (let i = 1; i < left.length; i++) expect(left[i - 1]! - left[i]!).toBeLessThanOrEqual(49);
    expect(left.at(-1)).toBe(0);
    expect(await textsOf(a)).toBeGreaterThanOrEqual(TEXTS);
  });
});
