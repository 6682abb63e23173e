import { beforeAll, describe, expect, it } from 'vitest';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/**
 * Who set a tag, a rule or the owner, as a restaurant owner sees it through the API (DynamoDB Local, events
 * applying the rules as they arrive): the owner's untick is final even for a tag set by hand before the rule;
 * ticked back it is the owner's; a merge keeps who set each tag; a rule reading another rule's tag follows it
 * in the same event; the card says which tags a rule gave (`autoTags`).
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let key: string;
const TENANT = 'auto-tag-bookkeeping';
const DAY = 86_400_000;
const now = Date.now();
let n = 0;
const at = () => new Date(now - 30 * DAY + n * 60_000).toISOString();

type Card = { id: string; tags: string[]; autoTags: string[] };
async function send(body: Record<string, unknown>) {
  const res = await call('POST', '/v1/events', { key, body: { eventId: `bk${n++}`, occurredAt: at(), ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { customerId: string };
}
const order = (email: string, total: number, city?: string) =>
  send({ type: 'order.completed', customer: { email, ...(city ? { city } : {}) }, data: { orderId: `o${n}`, currency: 'EUR', total, items: [{ sku: 'menu', name: 'Menu', quantity: 1, unitPrice: total }] } });
const message = (email: string) => send({ type: 'message.received', customer: { email }, data: { text: `ciao ${n}`, channel: 'email' } });
const noShow = async (email: string) => {
  const bookingId = `b${n}`;
  await send({ type: 'booking.created', customer: { email }, data: { bookingId, date: at().slice(0, 10), time: '20:00', partySize: 2 } });
  return send({ type: 'booking.no_show', customer: { email }, data: { bookingId } });
};
const card = async (id: string) => {
  const res = await call('GET', `/v1/customers/${id}`, { key });
  expect(res.status).toBe(200);
  return res.body as Card;
};
const patchTags = async (id: string, tags: string[]) => {
  const res = await call('PATCH', `/v1/customers/${id}`, { key, body: { tags } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Card;
};
const create = async (email: string, tags: string[] = []) => {
  const res = await call('POST', '/v1/customers', { key, body: { email, tags } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Card;
};
const merge = async (survivor: string, other: string) => {
  const res = await call('POST', `/v1/customers/${survivor}/merge`, { key, body: { otherId: other } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Card;
};
async function rules(autoTags: { tag: string; filter: Record<string, unknown> }[]) {
  const res = await call('PATCH', '/v1/settings', { key, body: { autoTags } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  key = await tenantWithSecretKey(TENANT);
  for (const name of ['Assenteista', 'Business', 'Buona forchetta', 'VIP', 'VIP locale']) {
    const res = await call('POST', '/v1/tags', { key, body: { name } });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
}, LONG_TIMEOUT_MS);

describe('the owner has the last word on a card', () => {
  it('a tag set by hand before the rule, then removed by the owner, is not given back by the next event', async () => {
    const dario = await create('dario@bk.test', ['Assenteista']);
    await noShow('dario@bk.test');
    await rules([{ tag: 'Assenteista', filter: { minNoShows: 1 } }]);
    expect((await patchTags(dario.id, [])).tags).toEqual([]);
    await noShow('dario@bk.test');
    expect((await card(dario.id)).tags).toEqual([]);
  });

  it('untick then tick again: the tag is the owner’s, and the rule no longer takes it away; the card says which tags a rule gave', async () => {
    await rules([{ tag: 'Buona forchetta', filter: { minSpent: 5000 } }]);
    const { customerId } = await order('elsa@bk.test', 6000);
    const given = await card(customerId);
    expect(given.tags).toEqual(['Buona forchetta']);
    expect(given.autoTags).toEqual(['Buona forchetta']);
    expect((await patchTags(customerId, [])).tags).toEqual([]);
    const back = await patchTags(customerId, ['Buona forchetta']);
    expect(back.tags).toEqual(['Buona forchetta']);
    expect(back.autoTags).toEqual([]);
    await rules([{ tag: 'Buona forchetta', filter: { minSpent: 50000 } }]);
    await message('elsa@bk.test');
    expect(await card(customerId)).toMatchObject({ tags: ['Buona forchetta'], autoTags: [] });
  });
});

describe('a merge keeps who set each tag', () => {
  it('the owner’s tag on either card stays the owner’s, a rule’s tag stays the rule’s, an untick on either stands', async () => {
    await rules([{ tag: 'Business', filter: { minSpent: 10000 } }]);
    // A got Business from the rule, B from the owner.
    const a = (await order('dup-a@bk.test', 12000)).customerId;
    const b = await create('dup-b@bk.test', ['Business']);
    expect((await card(a)).autoTags).toEqual(['Business']);
    expect(await merge(a, b.id)).toMatchObject({ tags: ['Business'], autoTags: [] });
    // C has no tag, D got Business from the rule.
    const c = await create('dup-c@bk.test');
    const d = (await order('dup-d@bk.test', 12000)).customerId;
    expect(await merge(c.id, d)).toMatchObject({ tags: ['Business'], autoTags: ['Business'] });
    // E: the owner unticked the rule's Business; F got it from the rule.
    const e = (await order('dup-e@bk.test', 12000)).customerId;
    expect((await patchTags(e, [])).tags).toEqual([]);
    const f = (await order('dup-f@bk.test', 12000)).customerId;
    expect((await merge(e, f)).tags).toEqual([]);
    await message('dup-e@bk.test');
    expect((await card(e)).tags).toEqual([]);
    // The rule now asks for more than they spent: only the rule's tag goes.
    await rules([{ tag: 'Business', filter: { minSpent: 100000 } }]);
    await message('dup-a@bk.test');
    await message('dup-c@bk.test');
    expect((await card(a)).tags).toEqual(['Business']);
    expect((await card(c.id)).tags).toEqual([]);
  });
});

describe('a rule that reads another rule’s tag', () => {
  it('follows it in the same event, both ways', async () => {
    await rules([
      { tag: 'VIP locale', filter: { anyTags: ['VIP'], city: ['Bologna'] } },
      { tag: 'VIP', filter: { minSpent: 50000 } },
    ]);
    const { customerId } = await order('gianni@bk.test', 60000, 'Bologna');
    expect([...(await card(customerId)).tags].sort()).toEqual(['VIP', 'VIP locale']);
    await rules([
      { tag: 'VIP locale', filter: { anyTags: ['VIP'], city: ['Bologna'] } },
      { tag: 'VIP', filter: { minSpent: 100000 } },
    ]);
    await message('gianni@bk.test');
    expect(await card(customerId)).toMatchObject({ tags: [], autoTags: [] });
  });
});
