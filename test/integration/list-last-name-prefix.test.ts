import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../shared/store/keys.ts';
import { fold } from '../../shared/domain/search-text.ts';
import { call } from '../helpers/invoke.ts';
import { tenantKey, walkList as walk } from '../helpers/list-pages.ts';
import { useTestEnv, type LocalEnv } from '../support/aws.ts';

/**
 * `sort=lastName` as an address book orders it (docs/api.md): a last name that is the start of another comes
 * first (De, De Luca, Dea; Rossi, Rossi Bianchi), ties by first name, then id; a last name starting with `#`
 * is a last name like any other, not a card without one. Before, the index key joined its parts with `#`,
 * which sorts after a space ("De Luca" before "De") and was also the mark of "no last name" (`#1` listed
 * among the cards without one). And a list over cards still holding the key format before this change
 * lists every card once, and `npm run reindex` rewrites those keys. Over DynamoDB Local, through the API and
 * the list store (a read budget of one entry per shard).
 */
let env: LocalEnv;
let key: string;
const TENANT = 'surname-prefixes';

type Person = { firstName?: string; lastName?: string };
/** With a last name, A→Z as an address book lists them. The two "Carla Rossi" are ordered by id (below). */
const NAMED: Person[] = [
  { firstName: 'Ezio', lastName: '#1' },
  { firstName: 'Anna', lastName: 'De' },
  { firstName: 'Bruno', lastName: 'De Luca' },
  { firstName: 'Anna', lastName: 'Dea' },
  { lastName: 'Rossi' },
  { firstName: 'Aldo', lastName: 'Rossi' },
  { firstName: 'Carla', lastName: 'Rossi' },
  { firstName: 'Carla', lastName: 'rossi' },
  { firstName: 'Dario', lastName: 'Rossi Bianchi' },
  { firstName: 'Aldo', lastName: 'Rossiani' },
];
/** Without a last name, A→Z by first name (the card without any name first). */
const UNNAMED: Person[] = [{}, { firstName: 'Anna' }, { firstName: 'Zeno' }];

const named: string[] = [];
const unnamed: string[] = [];
let seq = 0;


async function create(k: string, p: Person): Promise<string> {
  const res = await call('POST', '/v1/customers', { key: k, body: { ...p, email: `prefix${seq++}@example.it` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}


/** The same walk through the list store, with `budget` index entries read per shard and page. */
async function walkStore(tenant: string, order: 'asc' | 'desc', limit: number, budget: number): Promise<string[]> {
  const { dynamoCustomerStore } = await import('../../shared/store/customer.store.ts');
  const { resolveFilter } = await import('../../shared/domain/customer-filter.ts');
  const store = dynamoCustomerStore(env.db, env.tableName, { readBudgetPerShard: budget });
  const got: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.list(tenant, { filter: resolveFilter({}, { timeZone: 'Europe/Rome', now: new Date() }), sort: 'lastName', order, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    got.push(...page.items.map((c) => c.id));
    if (!page.nextCursor) return got;
    cursor = page.nextCursor;
  }
  throw new Error(`${tenant} ${order}: no last page after 1000 pages`);
}

const reversed = (ids: string[]) => [...ids].reverse();
const names = (people: Person[]) => people.map((p) => `${p.lastName ?? '-'} ${p.firstName ?? '-'}`);

beforeAll(async () => {
  env = await useTestEnv();
  key = await tenantKey(TENANT);
  // Created in an order unlike the list's, so that no shard or creation order could give the answer.
  for (const i of [8, 2, 0, 6, 4, 9, 1, 7, 3, 5]) named[i] = await create(key, NAMED[i]!);
  for (const i of [2, 0, 1]) unnamed[i] = await create(key, UNNAMED[i]!);
  // The two Carla Rossi: same folded last and first name, so by id.
  if (named[6]! > named[7]!) [named[6], named[7]] = [named[7]!, named[6]!];
});

describe('sort=lastName: a last name before the longer ones it starts, `#` a character like any other', () => {
  it('A→Z: #1, De, De Luca, Dea, Rossi (no first name, Aldo, Carla, Carla), Rossi Bianchi, Rossiani, then the cards without a last name; Z→A: the named reversed, then the unnamed reversed', async () => {
    const asc = await call('GET', '/v1/customers?sort=lastName&limit=100', { key });
    expect(asc.status).toBe(200);
    const byId = new Map([...named.map((id, i) => [id, NAMED[i]!] as const), ...unnamed.map((id, i) => [id, UNNAMED[i]!] as const)]);
    const ascIds = asc.body.items.map((c: { id: string }) => c.id) as string[];
    // Names first, so that a failure says which card is out of place.
    expect(names(ascIds.map((id) => byId.get(id)!))).toEqual(names([...NAMED, ...UNNAMED]));
    expect(ascIds).toEqual([...named, ...unnamed]);
    const desc = await call('GET', '/v1/customers?sort=lastName&order=desc&limit=100', { key });
    expect(desc.body.items.map((c: { id: string }) => c.id)).toEqual([...reversed(named), ...reversed(unnamed)]);
  });

  it('pages of 1, 2, 3 and 5 cards list each card once, in the same order, both ways', async () => {
    for (const limit of [1, 2, 3, 5]) {
      expect(await walk(key, '/v1/customers?sort=lastName', limit), `asc, limit ${limit}`).toEqual([...named, ...unnamed]);
      expect(await walk(key, '/v1/customers?sort=lastName&order=desc', limit), `desc, limit ${limit}`).toEqual([...reversed(named), ...reversed(unnamed)]);
    }
  });

  it('with a read budget of one entry per shard (pages stop mid-range and at the range boundary), the same order', async () => {
    for (const limit of [2, 50]) {
      expect(await walkStore(TENANT, 'asc', limit, 1), `asc, limit ${limit}`).toEqual([...named, ...unnamed]);
      expect(await walkStore(TENANT, 'desc', limit, 1), `desc, limit ${limit}`).toEqual([...reversed(named), ...reversed(unnamed)]);
    }
  });

  it('a cursor of the key format before (list `lastName,named-first`) is a 400 naming cursor, not a page that skips or repeats', async () => {
    const { encodeCursor } = await import('../../shared/store/cursor.ts');
    for (const order of ['asc', 'desc']) {
      const first = await call('GET', `/v1/customers?sort=lastName&order=${order}&limit=2`, { key });
      const cursor = first.body.nextCursor as string;
      const { l, t, p } = JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8')) as { l: string; t: string; p: unknown };
      const [kind, listName, ord, digest] = l.split(':');
      expect(listName).not.toBe('lastName,named-first');
      const old = encodeCursor(`${kind}:lastName,named-first:${ord}:${digest}`, t, p);
      const res = await call('GET', `/v1/customers?sort=lastName&order=${order}&limit=2&cursor=${encodeURIComponent(old)}`, { key });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['cursor']);
    }
  });

  it('the likely duplicates of a card still find the card of the same name and a similar email (the name index by prefix)', async () => {
    const a = await call('POST', '/v1/customers', { key, body: { firstName: 'Gino', lastName: 'De Luca', email: 'gino.deluca@example.it' } });
    const b = await call('POST', '/v1/customers', { key, body: { firstName: 'Gino', lastName: 'De Luca', email: 'gino.deluca@example.com' } });
    // Same first name, a last name that only starts the same: not the same name.
    const c = await call('POST', '/v1/customers', { key, body: { firstName: 'Gino', lastName: 'De', email: 'gino.deluca@example.org' } });
    for (const r of [a, b, c]) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const dup = await call('GET', `/v1/customers/${a.body.id}/duplicates`, { key });
    expect(dup.status).toBe(200);
    expect(dup.body.items.map((d: { customer: { id: string }; reasons: string[] }) => [d.customer.id, d.reasons])).toEqual([[b.body.id, ['name-and-email']]]);
  });
});

/** The `gsi3sk` the code before this change wrote: `{fold(last)}#{fold(first)}#{id}`, no last name `#{fold(first)}#{id}`. */
const oldKey = (p: Person, id: string) => `${fold(p.lastName ?? '')}#${fold(p.firstName ?? '')}#${id}`;

describe('cards stored with the key format before, mixed with new ones', () => {
  const TENANT_MIXED = 'surname-prefixes-mixed';
  let mixedKey: string;
  const ids: string[] = [];
  const people: Person[] = [...NAMED, ...UNNAMED];
  /** Which cards get their old key back (every other one, named and not). */
  const old = (i: number) => i % 2 === 0;
  const cardKey = (id: string) => keys.customerCard(TENANT_MIXED, id);
  const gsi3sk = async (id: string) => (await env.db.send(new GetCommand({ TableName: env.tableName, Key: cardKey(id), ConsistentRead: true }))).Item!.gsi3sk as string;

  beforeAll(async () => {
    mixedKey = await tenantKey(TENANT_MIXED);
    for (const [i, p] of people.entries()) ids[i] = await create(mixedKey, p);
    if (ids[6]! > ids[7]!) [ids[6], ids[7]] = [ids[7]!, ids[6]!];
    for (const [i, id] of ids.entries()) {
      if (!old(i)) continue;
      await env.db.send(new UpdateCommand({ TableName: env.tableName, Key: cardKey(id), UpdateExpression: 'SET gsi3sk = :g', ExpressionAttributeValues: { ':g': oldKey(people[i]!, id) } }));
    }
  });

  it('before the reindex: every card listed once, in pages of 1, 2 and 3, both ways, through the API and with a read budget of one entry', async () => {
    const all = [...ids].sort();
    for (const limit of [1, 2, 3]) {
      for (const order of ['asc', 'desc'] as const) {
        const got = await walk(mixedKey, `/v1/customers?sort=lastName&order=${order}`, limit);
        expect([...got].sort(), `${order}, limit ${limit}`).toEqual(all);
      }
    }
    for (const order of ['asc', 'desc'] as const) expect([...(await walkStore(TENANT_MIXED, order, 2, 1))].sort(), order).toEqual(all);
  });

  it('`npm run reindex` rewrites the old keys (and only those) to the new format, once; then the order is exact', async () => {
    const { dynamoCardReindex } = await import('../../shared/store/card-reindex.store.ts');
    const oldOnes = ids.filter((_, i) => old(i));
    const newKeys = new Map<string, string>();
    for (const [i, id] of ids.entries()) if (!old(i)) newKeys.set(id, await gsi3sk(id));
    for (const id of oldOnes) expect((await gsi3sk(id)).split('#').length, id).toBeGreaterThanOrEqual(3);

    expect(await dynamoCardReindex(env.db, env.tableName).reindexTenant(TENANT_MIXED)).toEqual({ read: ids.length, rewritten: oldOnes.length, changedMeanwhile: 0 });
    for (const [i, id] of ids.entries()) {
      const sk = await gsi3sk(id);
      if (!old(i)) expect(sk, 'a new key is left as it was').toBe(newKeys.get(id));
      // Every card now has the same kind of key as one written today: the same as its untouched twin in the first tenant.
      expect(sk.endsWith(id)).toBe(true);
      expect(sk).not.toBe(oldKey(people[i]!, id));
    }
    expect(await dynamoCardReindex(env.db, env.tableName).reindexTenant(TENANT_MIXED)).toEqual({ read: ids.length, rewritten: 0, changedMeanwhile: 0 });

    const namedIds = ids.slice(0, NAMED.length);
    const unnamedIds = ids.slice(NAMED.length);
    for (const limit of [2, 100]) {
      expect(await walk(mixedKey, '/v1/customers?sort=lastName', limit), `asc, limit ${limit}`).toEqual([...namedIds, ...unnamedIds]);
      expect(await walk(mixedKey, '/v1/customers?sort=lastName&order=desc', limit), `desc, limit ${limit}`).toEqual([...reversed(namedIds), ...reversed(unnamedIds)]);
    }
  });
});
