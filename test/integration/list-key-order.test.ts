import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/**
 * A list merges the pages of its 8 shards by sort key and answers only up to the nearest shard frontier.
 * DynamoDB orders the keys by UTF-8 bytes (code points); the merge compared them as JavaScript strings
 * (UTF-16 code units), which disagree for a character past U+FFFF (an emoji) against one in U+E000–U+FFFF
 * (private use, full-width forms). A verification run: 24 cards whose last names alternate the two, walked
 * with `limit=7`, listed 22. Over DynamoDB Local, through the API.
 */
let key: string;
const ids: string[] = [];

beforeAll(async () => {
  await useTestEnv();
  key = await tenantWithSecretKey('key-order-shop');
  for (let k = 0; k < 24; k++) {
    const lastName = `${k % 2 ? '\uE000' : '😀'}${String.fromCharCode(97 + k)}`;
    const res = await call('POST', '/v1/customers', { key, body: { firstName: 'Ada', lastName, email: `order${k}@example.it` } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id as string);
  }
});

async function walk(url: string, limit: number): Promise<{ id: string; lastName: string }[]> {
  const got: { id: string; lastName: string }[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const res = await call('GET', `${url}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    got.push(...res.body.items.map((c: { id: string; lastName: string }) => ({ id: c.id, lastName: c.lastName })));
    cursor = res.body.nextCursor ?? null;
    if (!cursor) return got;
  }
  throw new Error('more than 100 pages');
}

const utf8Order = (names: string[]) => [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('a list sorted by a key holding characters past U+FFFF and in U+E000–U+FFFF', () => {
  it.each([1, 2, 3, 7, 100])('pages through every card once, in DynamoDB order, with limit %i', async (limit) => {
    for (const order of ['asc', 'desc'] as const) {
      const items = await walk(`/v1/customers?sort=lastName&order=${order}`, limit);
      const got = items.map((c) => c.id);
      expect(new Set(got).size, `${order}: no card repeated`).toBe(got.length);
      expect([...got].sort(), `${order}: every card`).toEqual([...ids].sort());
      const listed = items.map((c) => c.lastName);
      const expected = utf8Order(listed);
      expect(listed).toEqual(order === 'asc' ? expected : expected.reverse());
    }
  });
});
