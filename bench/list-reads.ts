import { ulid } from 'ulid';
import { createTable } from '../local/emulators.ts';
import { benchDynamo } from './emulators.ts';
import { row, type BenchOptions, type BenchRow } from './types.ts';

/**
 * What one page of `GET /v1/customers` reads when its filter matches nobody (the worst case of a filter:
 * every entry read is thrown away), against DynamoDB Local: index entries read and read units
 * (ConsumedCapacity) of the first page with the read budget (shared/store/customer.store.ts), beside the same
 * page read without one (the whole index, as before the budget), and the pages it takes to walk the list; and
 * what walking the whole list by last name reads beside the same walk by total spent.
 */
export async function listReadsBench(opts: BenchOptions): Promise<BenchRow[]> {
  // --quick: 1,500, above the first page's budget (8 shards × 128 entries), so that the bounded page reads
  // fewer entries than the whole index, as at full size; at 400 both read all 400 and the row said nothing.
  const n = opts.quick ? 1_500 : 3000;
  const dynamo = await benchDynamo(['bench-list']);
  try {
    Object.assign(process.env, { TABLE_NAME: 'bench-list', DYNAMODB_ENDPOINT: dynamo.endpoint, IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e' });
    const { dynamo: client } = await import('../shared/clients.ts');
    const db = client();
    await createTable(db, 'bench-list');
    const { dynamoCustomerStore, LIST_READ_BUDGET_PER_SHARD } = await import('../shared/store/customer.store.ts');
    const { blankCustomer } = await import('../shared/domain/customer.schema.ts');
    const { resolveFilter } = await import('../shared/domain/customer-filter.ts');
    const { cardEntity } = await import('../shared/store/entities.ts');
    const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
    const store = dynamoCustomerStore(db, 'bench-list');
    const tenant = 'bench';
    const base = Date.UTC(2025, 0, 1);
    // The card items exactly as a create writes them (cardEntity.item: the list's index keys included), 25 to a
    // BatchWriteItem, 4 in flight: the list reads only cards, and a create's transaction (card, email lookup,
    // suppression check) per customer took most of this module's time.
    const cards = Array.from({ length: n }, (_, i) => {
      const at = new Date(base + i * 60_000).toISOString();
      // A third without a last name: `sort=lastName` reads them in a key range of their own, last.
      const lastName = i % 3 === 0 ? null : `Person ${i}`;
      return cardEntity.item(tenant, { ...blankCustomer(ulid(), at, at), email: `c${i}@bench.example`, firstName: `Guest ${i}`, lastName });
    });
    const batches = Array.from({ length: Math.ceil(n / 25) }, (_, b) => cards.slice(b * 25, b * 25 + 25));
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let batch = batches.shift(); batch; batch = batches.shift()) {
          let pending: unknown[] = batch.map((Item) => ({ PutRequest: { Item } }));
          while (pending.length) {
            const out = await db.send(new BatchWriteCommand({ RequestItems: { 'bench-list': pending as never } }));
            pending = out.UnprocessedItems?.['bench-list'] ?? [];
          }
        }
      }),
    );

    const counters = { scanned: 0, rcu: 0, requests: 0 };
    db.middlewareStack.add(
      (next) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        const out = await next(args);
        const o = out.output as { ScannedCount?: number; ConsumedCapacity?: { ReadCapacityUnits?: number; CapacityUnits?: number } };
        counters.requests++;
        counters.scanned += o.ScannedCount ?? 0;
        counters.rcu += o.ConsumedCapacity?.ReadCapacityUnits ?? o.ConsumedCapacity?.CapacityUnits ?? 0;
        return out;
      },
      { step: 'initialize', name: 'listReadsCounter' },
    );
    const query = { filter: resolveFilter({ tags: ['Nobody'] }, { timeZone: 'Europe/Rome', now: new Date() }), sort: 'lastName' as const, order: 'asc' as const, limit: 50 };
    const firstPage = async (s: typeof store) => {
      Object.assign(counters, { scanned: 0, rcu: 0, requests: 0 });
      await s.list(tenant, query);
      return { ...counters };
    };
    const bounded = await firstPage(store);
    const unbounded = await firstPage(dynamoCustomerStore(db, 'bench-list', { readBudgetPerShard: Number.MAX_SAFE_INTEGER }));
    let pages = 0;
    let cursor: string | undefined;
    do {
      cursor = (await store.list(tenant, { ...query, cursor })).nextCursor ?? undefined;
      pages++;
    } while (cursor);

    // The whole list, unfiltered, 50 a page: by last name (two key ranges per shard, the cards without a last
    // name last) beside by total spent (one range), the same cards and pages. Read units are the cost; requests
    // are only reported: a shard whose read crosses a range boundary sends one more Query (docs/data-model.md).
    const walkAll = async (sort: 'lastName' | 'totalSpent') => {
      Object.assign(counters, { scanned: 0, rcu: 0, requests: 0 });
      let seen = 0;
      let next: string | undefined;
      do {
        const page = await store.list(tenant, { filter: resolveFilter({}, { timeZone: 'Europe/Rome', now: new Date() }), sort, order: 'asc', limit: 50, cursor: next });
        seen += page.items.length;
        next = page.nextCursor ?? undefined;
      } while (next);
      if (seen !== n) throw new Error(`sort=${sort} listed ${seen} of ${n} customers`);
      return { ...counters };
    };
    const byLastName = await walkAll('lastName');
    const bySpent = await walkAll('totalSpent');

    return [
      row(`list walk sort=lastName (a third without a last name) vs sort=totalSpent, ${n} customers, 50 a page: read units`, byLastName.rcu, 'RCU', bySpent.rcu, 'ratio ≤ 1.1'),
      row(`list walk sort=lastName (a third without a last name) vs sort=totalSpent, ${n} customers, 50 a page: Query requests`, byLastName.requests, 'requests', bySpent.requests, null),
      row(`list page, filter matching nobody, ${n} customers: index entries read`, bounded.scanned, 'entries', unbounded.scanned, `≤ ${8 * LIST_READ_BUDGET_PER_SHARD} at any size`),
      row(`list page, filter matching nobody, ${n} customers: read units`, bounded.rcu, 'RCU', unbounded.rcu, null),
      row(`list, filter matching nobody, ${n} customers: pages to the end`, pages, 'pages', null, null),
    ];
  } finally {
    await dynamo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  listReadsBench({ quick: process.argv.includes('--quick') }).then((rows) => console.table(rows));
}

/** The entry bench/run.ts calls. */
export const run = listReadsBench;
