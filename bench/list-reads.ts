import { ulid } from 'ulid';
import { createTable } from '../local/emulators.ts';
import { benchDynamo } from './emulators.ts';
import { row, type BenchOptions, type BenchRow } from './types.ts';

/**
 * What one page of `GET /v1/customers` reads when its filter matches nobody (the worst case of a filter:
 * every entry read is thrown away), against DynamoDB Local: index entries read and read units
 * (ConsumedCapacity) of the first page with the read budget (shared/store/customer.store.ts), beside the same
 * page read without one (the whole index, as before the budget), and the pages it takes to walk the list.
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
    const store = dynamoCustomerStore(db, 'bench-list');
    const tenant = 'bench';
    const base = Date.UTC(2025, 0, 1);
    for (let i = 0; i < n; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, n - i) }, (_, j) => {
          const at = new Date(base + (i + j) * 60_000).toISOString();
          return store.create(tenant, { ...blankCustomer(ulid(), at, at), email: `c${i + j}@bench.example`, lastName: `Person ${i + j}` });
        }),
      );
    }

    const counters = { scanned: 0, rcu: 0 };
    db.middlewareStack.add(
      (next) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        const out = await next(args);
        const o = out.output as { ScannedCount?: number; ConsumedCapacity?: { ReadCapacityUnits?: number; CapacityUnits?: number } };
        counters.scanned += o.ScannedCount ?? 0;
        counters.rcu += o.ConsumedCapacity?.ReadCapacityUnits ?? o.ConsumedCapacity?.CapacityUnits ?? 0;
        return out;
      },
      { step: 'initialize', name: 'listReadsCounter' },
    );
    const query = { filter: resolveFilter({ tags: ['Nobody'] }, { timeZone: 'Europe/Rome', now: new Date() }), sort: 'lastName' as const, order: 'asc' as const, limit: 50 };
    const firstPage = async (s: typeof store) => {
      Object.assign(counters, { scanned: 0, rcu: 0 });
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

    return [
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
