import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { row, type BenchOptions, type BenchRow } from './types.ts';
import { peakRssInChild, reportPeakRss } from './peak-rss.ts';

/**
 * Insights recompute (issue 13) against DynamoDB Local and s3rver: a tenant of N customers and 5N
 * purchases; the recompute's steps as the state machine runs them (StartRecompute → ReadShard ×8 in
 * parallel → Compute → WriteShard ×8 in parallel → Finish), next to plain parallel reads of the same items
 * (the 8 purchase shards, then the 8 card-index shards) in the same run (target ≤ 2×); the share of cards a
 * second recompute with no new events writes (target < 1%); peak RSS of a recompute in a child process at
 * two sizes, its tasks one after the other as separate Lambda invocations would run them (target < 512 MB,
 * ≤ 1.2×). The first recompute writes every card (UpdateItem on a card with 4 ALL-projection indexes); its
 * write-back rate is shown next to DynamoDB Local's own rate for plain UpdateItems of cards, so a reader can
 * tell the emulator's share. Timed runs use the store as deployed (no ReturnConsumedCapacity) on a warmed-up
 * emulator (see run); read and write units come from an untimed recompute that writes every card. Each
 * phase's wall time is printed with the CPU time node and DynamoDB Local's Java spent in it;
 * BENCH_INSIGHTS_PROFILE=FILE writes a CPU profile of the first recompute's WriteShard phase.
 */
const TABLE = 'bench-insights';
/** UpdateItems WriteShard ×8 keeps in flight (4 per shard, shared/insights/recompute.ts). */
const IN_FLIGHT = 32;
/**
 * Cards of the warm-up tenant (see run); `--quick` warms up on fewer, so that the quick run stays short. Not
 * fewer than 2,000: after a 1,000-card warm-up the plain UpdateItems (the write-back's baseline) still ran at
 * two thirds of the rate the recompute's writes reached right after them (238 vs 373 cards/s), a ratio about
 * the JIT rather than the recompute.
 */
const warmupCards = (quick: boolean) => (quick ? 2_000 : 4_000);
const BUCKET = 'bench-insights-scratch';

function setEnv(dynamodbEndpoint: string, s3Endpoint: string) {
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: dynamodbEndpoint,
    S3_ENDPOINT: s3Endpoint,
    IMPORT_BUCKET: 'bench-imports',
    EXPORT_BUCKET: BUCKET,
    AWS_REGION: 'eu-south-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
}

/**
 * CPU seconds used so far by this process (node) and by DynamoDB Local's Java process: on a shared 2-core
 * machine wall time swings with other people's load, CPU time much less, and the split says which side a
 * phase's time goes to. Java's figure is 0 when its process cannot be found (not Linux).
 */
let javaPid: number | undefined;
function findJava(watchdogPid: number) {
  try {
    for (const task of readdirSync(`/proc/${watchdogPid}/task`)) {
      for (const child of readFileSync(`/proc/${watchdogPid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'java') return Number(child);
      }
    }
    if (readFileSync(`/proc/${watchdogPid}/comm`, 'utf8').trim() === 'java') return watchdogPid;
  } catch {
    // not Linux, or the process is gone
  }
  return undefined;
}
function cpu() {
  const { user, system } = process.cpuUsage();
  let java = 0;
  if (javaPid) {
    try {
      // utime and stime, fields 14 and 15 of /proc/PID/stat (after the parenthesised command), in ticks of 1/100 s.
      const fields = readFileSync(`/proc/${javaPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      java = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      java = 0;
    }
  }
  return { node: (user + system) / 1e6, java, wall: performance.now() / 1000 };
}
type Cpu = ReturnType<typeof cpu>;
const since = (a: Cpu) => {
  const b = cpu();
  return { wall: b.wall - a.wall, node: b.node - a.node, java: b.java - a.java };
};
const fmtCpu = (c: ReturnType<typeof since>) => `${c.wall.toFixed(1)} s (CPU: node ${c.node.toFixed(1)} s, Java ${c.java.toFixed(1)} s)`;

/** BENCH_INSIGHTS_PROFILE=FILE: a V8 CPU profile of the first recompute's WriteShard phase (open it in Chrome DevTools). */
async function profiled<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/**
 * The recompute's dependencies. `count`: the store asks for ReturnConsumedCapacity and adds it up; the
 * deployed store never does (shared/http/insights-stores.ts), and DynamoDB Local spends a third more CPU on
 * an UpdateItem that asks for it, so timed recomputes do not count.
 */
async function deps(count: boolean) {
  const { dynamo, s3Client } = await import('../shared/clients.ts');
  const { dynamoInsightsStore } = await import('../shared/store/insights.store.ts');
  const { s3ObjectStore } = await import('../shared/import/object-store.ts');
  const { stores } = await import('../shared/http/stores.ts');
  const capacity = { read: 0, write: 0 };
  const insights = dynamoInsightsStore(dynamo(), TABLE, count ? capacity : undefined);
  return { capacity, d: { insights, getTenant: (id: string) => stores().tenants.getTenant(id), files: s3ObjectStore(s3Client()), bucket: BUCKET } };
}

/**
 * One recompute of `tenantId`, steps in the state machine's order, Map states 8 wide (`parallel: false`: one
 * task after the other). `asOf` defaults to now; `count` adds up read and write units; `profile` writes a CPU
 * profile of the WriteShard phase to that file.
 */
async function recomputeOnce(tenantId: string, { parallel = true, asOf, count = false, profile }: { parallel?: boolean; asOf?: string; count?: boolean; profile?: string } = {}) {
  const each = async <I, O>(items: I[], fn: (i: I) => Promise<O>) => {
    if (parallel) return Promise.all(items.map(fn));
    const out: O[] = [];
    for (const i of items) out.push(await fn(i));
    return out;
  };
  const steps = await import('../shared/insights/recompute.ts');
  const { ulid } = await import('ulid');
  const { capacity, d } = await deps(count);
  const id = ulid();
  const now = new Date().toISOString();
  await d.insights.createRecompute(tenantId, { id, status: 'pending', asOf: asOf ?? now, trigger: 'cli', createdAt: now, counts: { customers: 0, purchasers: 0, purchases: 0, cardsUpdated: 0 } });
  const started = performance.now();
  const total = cpu();
  let phase = cpu();
  const s = await steps.start(d, { tenantId, recomputeId: id });
  const read = await each(s.shards, (x) => steps.readShard(d, x));
  const readCpu = since(phase);
  phase = cpu();
  const c = await steps.compute(d, { ...s, read });
  const computeCpu = since(phase);
  phase = cpu();
  const written = await profiled(profile, () => each(c.shards, (x) => steps.writeShard(d, x)));
  const writeCpu = since(phase);
  const writeMs = writeCpu.wall * 1000;
  await steps.finish(d, { ...c, written });
  const ms = performance.now() - started;
  const all = since(total);
  const record = (await d.insights.getRecompute(tenantId, id))!;
  console.error(
    `bench insights: recompute of ${tenantId} ${fmtCpu(all)}: ReadShard ×8 ${fmtCpu(readCpu)}, Compute ${fmtCpu(computeCpu)}, WriteShard ×8 ${fmtCpu(writeCpu)} (${record.counts.cardsUpdated} cards written)`,
  );
  return { ms, writeMs, record, capacity, cpu: all };
}

/** The same items read plainly: the 8 purchase shards in parallel, then the 8 card-index shards in parallel. */
async function plainReads(tenantId: string) {
  const { dynamo } = await import('../shared/clients.ts');
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const { insightKeys, keys } = await import('../shared/store/keys.ts');
  const { CUSTOMER_SHARDS } = await import('../shared/store/table.ts');
  const shards = Array.from({ length: CUSTOMER_SHARDS }, (_, i) => i);
  const started = performance.now();
  const total = cpu();
  let items = 0;
  const drain = async (input: Record<string, unknown>) => {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo().send(new QueryCommand({ TableName: TABLE, ...input, ExclusiveStartKey } as never));
      items += page.Items?.length ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  };
  await Promise.all(shards.map((s) => drain({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(tenantId, s) } })));
  await Promise.all(shards.map((s) => drain({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.customerListPk(tenantId, s) } })));
  const used = since(total);
  console.error(`bench insights: plain reads of ${tenantId} (${items} items) ${fmtCpu(used)}`);
  return { ms: performance.now() - started, items, cpu: used };
}

/**
 * DynamoDB Local's own write speed on these cards, for the first recompute's write-back: `limit` cards of
 * the card index (every shard), each updated plainly (UpdateItem SET insights to the value it holds, same
 * size as the recompute's write, no condition), as many in flight as WriteShard ×8 keeps (IN_FLIGHT). Cards/s.
 */
async function plainUpdates(tenantId: string, limit: number) {
  const { dynamo } = await import('../shared/clients.ts');
  const { QueryCommand, UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { keys } = await import('../shared/store/keys.ts');
  const { CUSTOMER_SHARDS } = await import('../shared/store/table.ts');
  const cards: { id: string; insights: unknown }[] = [];
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    const page = await dynamo().send(
      new QueryCommand({ TableName: TABLE, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.customerListPk(tenantId, shard) }, ProjectionExpression: 'id, insights', Limit: Math.ceil(limit / CUSTOMER_SHARDS) }),
    );
    for (const i of page.Items ?? []) if (i.insights) cards.push({ id: i.id as string, insights: i.insights });
  }
  const started = performance.now();
  const total = cpu();
  const queue = [...cards];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        await dynamo().send(new UpdateCommand({ TableName: TABLE, Key: keys.customerCard(tenantId, c.id), UpdateExpression: 'SET insights = :i', ExpressionAttributeValues: { ':i': c.insights } }));
      }
    }),
  );
  console.error(`bench insights: plain UpdateItems of ${cards.length} cards ${fmtCpu(since(total))}`);
  return cards.length / ((performance.now() - started) / 1000);
}

/** N cards and 5N purchases spread over ~2 years (written straight into the table, as capture would leave them). */
async function seed(tenantId: string, n: number) {
  const { ulid } = await import('ulid');
  const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const { dynamo } = await import('../shared/clients.ts');
  const { cardEntity, purchaseEntity } = await import('../shared/store/entities.ts');
  const { emptyStats } = await import('../shared/domain/customer.schema.ts');
  const { stores } = await import('../shared/http/stores.ts');
  const { ensureTenant } = await import('../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, tenantId);
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const start = Date.parse('2024-12-01T10:00:00Z');
  const items: Record<string, unknown>[] = [];
  const batches: Record<string, unknown>[][] = [];
  const flush = (force = false) => {
    while (items.length >= 25 || (force && items.length)) batches.push(items.splice(0, 25));
  };
  for (let k = 0; k < n; k++) {
    const id = ulid();
    const first = start + Math.floor(rnd() * 600) * 86_400_000;
    const count = 1 + Math.floor(rnd() * 9); // 1..9, mean 5
    let t = first;
    let spent = 0;
    for (let p = 0; p < count && t < Date.now(); p++) {
      const amount = 1000 + Math.floor(rnd() * 6000);
      spent += amount;
      items.push(purchaseEntity.item(tenantId, id, { kind: 'O', id: `o${k}-${p}`, at: new Date(t).toISOString(), amount, items: [{ sku: `sku${p % 7}`, name: `Piatto ${p % 7}`, quantity: 1, unitPrice: amount }] }));
      t += (3 + Math.floor(rnd() * 90)) * 86_400_000;
    }
    const at = new Date(first).toISOString();
    items.push(
      cardEntity.item(tenantId, {
        id, firstName: `Nome${k}`, lastName: `Cognome${k}`, email: `persona${k}@esempio.it`, phone: null, language: 'it',
        consent: { newsletter: 'granted', updatedAt: null, source: null }, tags: k % 4 ? ['Regular'] : [], birthDate: `${1950 + (k % 50)}-05-10`, gender: k % 2 ? 'female' : 'male',
        city: ['Bologna', 'Roma', 'Milano'][k % 3]!, postalCode: null, country: 'IT', notes: null, attributes: {}, firstContactAt: at, lastContactAt: at,
        stats: { ...emptyStats(), orders: count, totalSpent: spent }, createdAt: at, updatedAt: at, version: 1,
      }),
    );
    flush();
  }
  flush(true);
  let purchases = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let b = batches.shift(); b; b = batches.shift()) {
        let pending: Record<string, unknown>[] = b.map((Item) => ({ PutRequest: { Item } }));
        purchases += b.filter((i) => i.entity === 'purchase').length;
        while (pending.length) {
          const out = await dynamo().send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending as never } }));
          pending = (out.UnprocessedItems?.[TABLE] as Record<string, unknown>[] | undefined) ?? [];
        }
      }
    }),
  );
  return purchases;
}

function rssInChild(tenantId: string): Promise<number> {
  return peakRssInChild(import.meta.url, [tenantId, process.env.DYNAMODB_ENDPOINT!, process.env.S3_ENDPOINT!]);
}

export async function run({ quick }: BenchOptions): Promise<BenchRow[]> {
  // BENCH_INSIGHTS_SIZES=large,small overrides the sizes (e.g. a mid-size run between --quick and the full one).
  const sizes = process.env.BENCH_INSIGHTS_SIZES?.split(',').map(Number);
  // --quick: 2,000 and 500 customers, so that `npm run bench -- --quick` stays well within two minutes on a
  // busy machine (5,000 and 1,000 took ~2 minutes for this module alone at load ≈ 10, mostly seeding and
  // DynamoDB Local writing cards); every row is still written, each beside its baseline.
  const large = sizes?.[0] ?? (quick ? 2_000 : 100_000);
  const small = sizes?.[1] ?? (quick ? 500 : 10_000);
  const warmup = warmupCards(quick);
  const { startS3, createTable, createBuckets, s3Client } = await import('../local/emulators.ts');
  const { benchDynamo } = await import('./emulators.ts');
  const dir = mkdtempSync(join(tmpdir(), 'bench-insights-'));
  const [dynamo, s3] = await Promise.all([benchDynamo([TABLE]), startS3({ dir })]);
  try {
    setEnv(dynamo.endpoint, s3.endpoint);
    javaPid = dynamo.pid === undefined ? undefined : findJava(dynamo.pid);
    const { dynamo: db } = await import('../shared/clients.ts');
    await createTable(db(), TABLE);
    await createBuckets(s3Client(s3.endpoint), ['bench-imports', BUCKET]);
    const t0 = performance.now();
    await seed('bench-warmup', warmup);
    const smallPurchases = await seed('bench-small', small);
    const largePurchases = await seed('bench-large', large);
    console.error(`bench insights: seeded ${warmup}+${small}+${large} customers, ${smallPurchases}+${largePurchases} purchases in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const plain = await plainReads('bench-large');
    // Warm-up, untimed: DynamoDB Local is a JVM, and its first ~10,000 UpdateItems run at a third of its later
    // speed while the JIT compiles them (measured: ~2.8 then ~1.9 then ~0.9 ms of Java CPU per update, 4,000
    // at a time). A recompute of a tenant of its own brings it to the speed a running emulator has before the
    // timed one (the plain reads' baseline is the faster of two runs, the second one warm, for the same
    // reason), and DynamoDB Local's own UpdateItem rate is measured on the warm-up tenant's cards.
    await recomputeOnce('bench-warmup');
    const updateRate = await plainUpdates('bench-warmup', warmup);
    const first = await recomputeOnce('bench-large', { profile: process.env.BENCH_INSIGHTS_PROFILE });
    if (first.record.status !== 'completed' || first.record.counts.customers !== large) throw new Error(`recompute: ${JSON.stringify(first.record)}`);
    const plainAgain = await plainReads('bench-large');
    const plainMs = Math.min(plain.ms, plainAgain.ms);
    const plainCpu = Math.min(plain.cpu.node + plain.cpu.java, plainAgain.cpu.node + plainAgain.cpu.java);
    const second = await recomputeOnce('bench-large');
    // Peak RSS is each child's own, whatever runs beside it: both sizes at once (one writes its cards, the other none).
    const [rssSmall, rssLarge] = await Promise.all([rssInChild('bench-small'), rssInChild('bench-large')]);
    // Read and write units, untimed (asking for them costs DynamoDB Local CPU the deployed store never spends):
    // a recompute as of the day before, which moves every purchaser's figures (their age T, in weeks, is
    // counted to asOf's day) and so writes every purchaser's card, as the first recompute and every nightly
    // one do. After the peak-RSS children, so theirs stay a fresh tenant's recompute and one with nothing to write.
    // `--quick` leaves them out (rows without a target; a recompute that writes every card is a tenth of the quick run).
    const counted = quick ? undefined : await recomputeOnce('bench-large', { asOf: new Date(Date.parse(first.record.asOf) - 86_400_000).toISOString(), count: true });
    const k = (n: number) => `${n / 1000}k`;
    const name = `insights: ${k(large)} customers, ${k(Math.round(largePurchases / 1000) * 1000)} purchases`;
    return [
      row(`${name}: first recompute (cards written: ${first.record.counts.cardsUpdated}) vs plain parallel reads of the purchase shards + card index`, first.ms / 1000, 's', plainMs / 1000, 'ratio ≤ 2'),
      row(`${name}: CPU time (node + DynamoDB Local's Java) of the first recompute vs the plain reads' (steadier than wall time on a busy machine)`, first.cpu.node + first.cpu.java, 'CPU s', plainCpu, null),
      row(`${name}: second recompute, no new events, vs plain reads`, second.ms / 1000, 's', plainMs / 1000, 'ratio ≤ 2'),
      ...(counted ? [row(`${name}: read units of a recompute (purchases + card index; DynamoDB Local, eventually consistent)`, counted.capacity.read, 'RCU', null, null)] : []),
      row(`${name}: first recompute's write-back (WriteShard ×8, ${first.record.counts.cardsUpdated} UpdateItems) vs plain parallel UpdateItems (DynamoDB Local's own rate, ${k(warmup)} cards of the warm-up tenant, ${IN_FLIGHT} in flight)`, first.record.counts.cardsUpdated / (first.writeMs / 1000), 'cards/s', updateRate, null),
      ...(counted ? [row(`${name}: write units of a recompute that writes every purchaser's card (first or nightly; UpdateItem SET insights, ${counted.record.counts.cardsUpdated} cards)`, counted.capacity.write, 'WCU', null, null)] : []),
      row(`${name}: share of cards the second recompute writes`, (100 * second.record.counts.cardsUpdated) / large, '%', null, '< 1%'),
      row(`insights: peak RSS of a recompute, ${k(large)} vs ${k(small)} customers`, rssLarge, 'MB', rssSmall, 'ratio ≤ 1.2, < 512 MB'),
    ];
  } finally {
    await Promise.allSettled([dynamo.stop(), s3.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

// `--rss-child TENANT DYNAMO S3`: one recompute in a fresh process, one task at a time (as Lambda runs each Map
// iteration in its own invocation); prints the peak resident set size (KB).
if (process.argv[2] === '--rss-child') {
  setEnv(process.argv[4]!, process.argv[5]!);
  await recomputeOnce(process.argv[3]!, { parallel: false });
  reportPeakRss();
}
