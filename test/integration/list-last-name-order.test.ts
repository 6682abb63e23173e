import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { tenantKey, walkList as walk } from '../helpers/list-pages.ts';
import { useTestEnv, type LocalEnv } from '../support/aws.ts';

/**
 * `sort=lastName` (docs/api.md): the cards with a last name first, A→Z (Z→A with `order=desc`), then the cards
 * without one, by first name in the same direction. Before, a card without a last name had a sort key starting
 * with `#` and came first in A→Z: a business sorting its list by surname saw a page of first names only.
 * Over DynamoDB Local, through the API (list and segment members) and the store with a tiny read budget.
 */
let env: LocalEnv;
let key: string;
let emptyKey: string;
let onlyFirstKey: string;

type Person = { firstName?: string; lastName?: string; tags?: string[] };
/** With a last name, in A→Z order as the list folds it (case and accents ignored, `"` before letters). */
const NAMED: Person[] = [
  { firstName: 'Bud', lastName: '"Bud" Spencer', tags: ['VIP'] },
  { firstName: 'Anna', lastName: 'Abate' },
  { firstName: 'Zoe', lastName: 'abate', tags: ['VIP'] },
  { firstName: 'Luca', lastName: 'Ćosić' },
  { firstName: 'Marta', lastName: 'Dell’Acqua', tags: ['VIP'] },
  { lastName: 'Müller' },
  { firstName: 'Carla', lastName: 'Rossi' },
  { firstName: 'Ugo', lastName: 'Zanetti', tags: ['VIP'] },
];
/** Without a last name, in A→Z order of first name (and one without any name, first of them). */
const UNNAMED: Person[] = [{ tags: ['VIP'] }, { firstName: 'Aldo' }, { firstName: 'Bea', tags: ['VIP'] }, { firstName: 'élodie' }, { firstName: 'Piero', tags: ['VIP'] }];

const named: string[] = [];
const unnamed: string[] = [];
let seq = 0;


async function create(k: string, p: Person): Promise<string> {
  const res = await call('POST', '/v1/customers', { key: k, body: { ...p, email: `p${seq++}@example.it` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}


const reversed = (ids: string[]) => [...ids].reverse();
const vip = (people: Person[], ids: string[]) => ids.filter((_, i) => people[i]!.tags?.includes('VIP'));

beforeAll(async () => {
  env = await useTestEnv();
  key = await tenantKey('surnames');
  emptyKey = await tenantKey('surnames-empty');
  onlyFirstKey = await tenantKey('surnames-first-only');
  // Created in an order unlike the list's, so that no shard or creation order could give the answer.
  for (const i of [3, 0, 6, 1, 7, 4, 2, 5]) named[i] = await create(key, NAMED[i]!);
  for (const i of [2, 4, 0, 3, 1]) unnamed[i] = await create(key, UNNAMED[i]!);
});

describe('sort=lastName: cards without a last name come after the others', () => {
  it('A→Z: the last names in order, then the cards without one by first name; Z→A: both reversed, still named first', async () => {
    const asc = await call('GET', '/v1/customers?sort=lastName&limit=100', { key });
    expect(asc.body.items.map((c: { id: string }) => c.id)).toEqual([...named, ...unnamed]);
    expect(asc.body.nextCursor ?? null).toBeNull();
    const desc = await call('GET', '/v1/customers?sort=lastName&order=desc&limit=100', { key });
    expect(desc.body.items.map((c: { id: string }) => c.id)).toEqual([...reversed(named), ...reversed(unnamed)]);
  });

  it('pages of every size, ending at the last card with a last name or holding both kinds, list each card once, in order', async () => {
    // limit 8 ends a page exactly at the last named card; 3, 5, 6 hold both kinds; 1 crosses one card at a time.
    for (const limit of [1, 2, 3, 5, 6, 7, 8, 9, 13, 14]) {
      expect(await walk(key, '/v1/customers?sort=lastName', limit), `asc, limit ${limit}`).toEqual([...named, ...unnamed]);
      expect(await walk(key, '/v1/customers?sort=lastName&order=desc', limit), `desc, limit ${limit}`).toEqual([...reversed(named), ...reversed(unnamed)]);
    }
  });

  it('with a filter (tags, q): the matching cards in the same order, across pages', async () => {
    const both = [...vip(NAMED, named), ...vip(UNNAMED, unnamed)];
    for (const limit of [1, 2, 4, 100]) {
      expect(await walk(key, '/v1/customers?sort=lastName&tags=VIP', limit), `limit ${limit}`).toEqual(both);
      expect(await walk(key, '/v1/customers?sort=lastName&order=desc&tags=VIP', limit), `desc, limit ${limit}`).toEqual([...reversed(vip(NAMED, named)), ...reversed(vip(UNNAMED, unnamed))]);
    }
    // `q` is the prefix of a word of a name: `a` finds the two Abate cards (one of them Anna), Dell’Acqua (a
    // typographic apostrophe splits words as `'` does) and Aldo.
    expect(await walk(key, '/v1/customers?sort=lastName&q=a', 1)).toEqual([named[1], named[2], named[4], unnamed[1]]);
  });

  it('a saved segment lists its members in the same order', async () => {
    const seg = await call('POST', '/v1/segments', { key, body: { name: 'VIP by surname', filter: { tags: ['VIP'] } } });
    expect(seg.status).toBe(201);
    expect(await walk(key, `/v1/segments/${seg.body.id}/customers?sort=lastName`, 2)).toEqual([...vip(NAMED, named), ...vip(UNNAMED, unnamed)]);
  });

  it('an empty tenant: no cards and no cursor; a tenant whose cards have no last name: by first name', async () => {
    for (const order of ['asc', 'desc']) {
      const res = await call('GET', `/v1/customers?sort=lastName&order=${order}`, { key: emptyKey });
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
      expect(res.body.nextCursor ?? null).toBeNull();
    }
    const ids: string[] = [];
    for (const firstName of ['Dario', 'Bruno', 'Ester', 'Alba']) ids.push(await create(onlyFirstKey, { firstName }));
    const byFirst = [ids[3]!, ids[1]!, ids[0]!, ids[2]!];
    for (const limit of [1, 3, 4, 50]) {
      expect(await walk(onlyFirstKey, '/v1/customers?sort=lastName', limit)).toEqual(byFirst);
      expect(await walk(onlyFirstKey, '/v1/customers?sort=lastName&order=desc', limit)).toEqual(reversed(byFirst));
    }
  });

  it('a cursor made for the order before (cards without a last name first) is a 400 naming cursor, not a page that skips or repeats', async () => {
    const { encodeCursor } = await import('../../shared/store/cursor.ts');
    for (const order of ['asc', 'desc']) {
      const first = await call('GET', `/v1/customers?sort=lastName&order=${order}&limit=2`, { key });
      const cursor = first.body.nextCursor as string;
      const { l, t, p } = JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8')) as { l: string; t: string; p: unknown };
      // The same position under the list name the code before this change gave its cursors, signed as it signed them.
      const [kind, , ord, digest] = l.split(':');
      const old = encodeCursor(`${kind}:lastName:${ord}:${digest}`, t, p);
      const res = await call('GET', `/v1/customers?sort=lastName&order=${order}&limit=2&cursor=${encodeURIComponent(old)}`, { key });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['cursor']);
      // The cursor it answers now pages on.
      expect((await call('GET', `/v1/customers?sort=lastName&order=${order}&limit=2&cursor=${encodeURIComponent(cursor)}`, { key })).status).toBe(200);
    }
  });

  it('a position at the start of a later range (a page that stopped at a range boundary) pages on from there; another range number is a 400', async () => {
    const { encodeCursor } = await import('../../shared/store/cursor.ts');
    const first = await call('GET', '/v1/customers?sort=lastName&limit=1', { key });
    const { l, t, p } = JSON.parse(Buffer.from((first.body.nextCursor as string).split('.')[0]!, 'base64url').toString('utf8')) as { l: string; t: string; p: unknown[] };
    // Every shard at the start of the second range, the cards without a last name (the named, then the unnamed).
    const atNoLastName = encodeCursor(l, t, p.map(() => ({ range: 1 })));
    expect(await walk(key, '/v1/customers?sort=lastName', 2, atNoLastName)).toEqual(unnamed);
    for (const range of [0, 2, 1.5, '1']) {
      const res = await call('GET', `/v1/customers?sort=lastName&limit=1&cursor=${encodeURIComponent(encodeCursor(l, t, p.map(() => ({ range }))))}`, { key });
      expect(res.status, String(range)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['cursor']);
    }
  });

  it('with a read budget of one entry per shard (pages stop mid-range and at a range boundary), the same cards in the same order', async () => {
    const { dynamoCustomerStore } = await import('../../shared/store/customer.store.ts');
    const { resolveFilter } = await import('../../shared/domain/customer-filter.ts');
    const store = dynamoCustomerStore(env.db, env.tableName, { readBudgetPerShard: 1 });
    const tenant = 'surnames';
    const walks: [{ tags?: string[] }, number[], string[], string[]][] = [
      [{}, [1, 50], [...named, ...unnamed], [...reversed(named), ...reversed(unnamed)]],
      [{ tags: ['VIP'] }, [3], [...vip(NAMED, named), ...vip(UNNAMED, unnamed)], [...reversed(vip(NAMED, named)), ...reversed(vip(UNNAMED, unnamed))]],
    ];
    for (const [filter, limits, expectedAsc, expectedDesc] of walks) {
      for (const [order, expected] of [['asc', expectedAsc], ['desc', expectedDesc]] as const) {
        for (const limit of limits) {
          const got: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 500; pages++) {
            const page = await store.list(tenant, { filter: resolveFilter(filter, { timeZone: 'Europe/Rome', now: new Date() }), sort: 'lastName', order, limit, cursor });
            got.push(...page.items.map((c) => c.id));
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }
          expect(got, `${JSON.stringify(filter)} ${order} limit ${limit}`).toEqual(expected);
        }
      }
    }
  });
});
