import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTable } from '../local/emulators.ts';
import { benchDynamo } from './emulators.ts';
import { percentile, row, type BenchOptions, type BenchRow } from './types.ts';

/**
 * The fair-use limiter (shared/domain/rate-limit.ts) against DynamoDB Local, through its real counter
 * adapter: what one tenant's flood costs the table, whether another tenant is served meanwhile, and how long
 * counting a request takes. Baselines, measured here: one write per request (a limiter without the
 * per-process memory of a full window), and a plain GetItem (the key check's own read).
 */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const flood = opts.quick ? 400 : 1000;
  const dynamo = await benchDynamo(['bench-fair-use']);
  try {
    Object.assign(process.env, { TABLE_NAME: 'bench-fair-use', DYNAMODB_ENDPOINT: dynamo.endpoint, IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e' });
    const { dynamo: client } = await import('../shared/clients.ts');
    const db = client();
    await createTable(db, 'bench-fair-use');
    const { dynamoRequestCounter } = await import('../shared/store/rate-limit.store.ts');
    const { fairUse } = await import('../shared/domain/rate-limit.ts');

    let writes = 0;
    let wcu = 0;
    db.middlewareStack.add(
      (next, ctx) => async (args) => {
        const update = ctx.commandName === 'UpdateItemCommand';
        if (update) {
          writes++;
          (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        }
        const out = await next(args);
        const cc = (out.output as { ConsumedCapacity?: { WriteCapacityUnits?: number; CapacityUnits?: number } }).ConsumedCapacity;
        if (update) wcu += cc?.WriteCapacityUnits ?? cc?.CapacityUnits ?? 0;
        return out;
      },
      { step: 'initialize', name: 'benchCounter' },
    );

    const counter = dynamoRequestCounter(db, 'bench-fair-use');
    const defaults = { secret: { rate: 20, burst: 200 }, publishable: { rate: 5, burst: 50 } };
    // Four warm instances of one function, taking tenant A's flood in turns, all in one window.
    const instances = Array.from({ length: 4 }, () => fairUse({ counter, defaults }));
    const now = new Date(Date.UTC(2030, 0, 1));
    let admittedA = 0;
    let servedB = 0;
    const latencies: number[] = [];
    for (let i = 0; i < flood; i++) {
      const started = performance.now();
      const ok = await instances[i % 4]!.admit({ tenantId: 'a', traffic: 'secret', now }).then(
        () => true,
        () => false,
      );
      if (i < 200) latencies.push(performance.now() - started);
      if (ok) admittedA++;
      // Tenant B, one request for every ten of A's, same window, same instances.
      if (i % 10 === 0 && (await instances[i % 4]!.admit({ tenantId: 'b', traffic: 'secret', now }).then(() => true, () => false))) servedB++;
    }
    const floodWrites = writes - Math.ceil(flood / 10);
    const floodWcu = wcu;

    // Baseline: one counted write per request (no memory of a full window).
    writes = 0;
    for (let i = 0; i < flood; i++) await counter.count('c', 'secret', now.getTime() / 1000, 10);
    const baselineWrites = writes;

    const reads: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await db.send(new GetCommand({ TableName: 'bench-fair-use', Key: { pk: 'TENANT#a', sk: 'SETTINGS' } }));
      reads.push(performance.now() - started);
    }
    latencies.sort((x, y) => x - y);
    reads.sort((x, y) => x - y);
    const countedRequests = Math.min(flood, 200 + 4) + Math.ceil(flood / 10);

    return [
      row(`fair use: table writes for a ${flood}-request flood of one tenant (burst 200, 4 instances)`, floodWrites, 'writes', baselineWrites, 'value ≤ 204 (burst + 1 per instance), whatever the flood'),
      row('fair use: requests admitted from the flooding tenant in its window', admittedA, 'requests', 200, 'ratio = 1'),
      row('fair use: share of the other tenant’s requests served during the flood', servedB / Math.ceil(flood / 10), 'share', 1, 'ratio = 1'),
      row('fair use: write units per counted request', floodWcu / countedRequests, 'WCU', 1, 'ratio ≤ 1'),
      // Reported only: one more round trip per keyed request; DynamoDB Local writes far slower than it reads.
      row('fair use: p50 latency of counting a request (DynamoDB Local; baseline: a GetItem)', percentile(latencies, 50), 'ms', percentile(reads, 50), null),
    ];
  } finally {
    await dynamo.stop();
  }
}
