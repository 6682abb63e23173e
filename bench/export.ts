import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { row, type BenchOptions, type BenchRow } from './types.ts';
import { lambdaNodeFlags, liveHeapDuring, liveHeapInChild, peakRssInChild, reportLiveHeap, reportPeakRss } from './peak-rss.ts';
import { phaseLog } from './durations.ts';

/**
 * Export (issue 5) against DynamoDB Local and s3rver: customers/s through the export workflow's steps
 * (Plan → WritePart per shard, 4 at a time as the Map runs them → Combine → Record), next to a plain
 * paginated Query of the same shards + csv-stringify of the same rows and columns in the same run
 * (target ≥ 0.7×), for a tenant that never erased anyone and for one that did (every exported row checked
 * against the tenant's erasure marks, read strongly consistent once per shard); read units per exported customer (ReturnConsumedCapacity, every read of the
 * export); peak RSS of the export in a child process at two sizes (flat is the target), again with the node
 * flags Lambda gives the deployed function, and the export's live heap (after full collections) at both sizes.
 * `--quick` leaves out the two figures without a target (as deployed, live heap): four fewer child processes
 * per tenant kind, a fifth of the quick run's time, for rows the full run reports.
 */
const CONCURRENCY = 4;

export async function setup(dynamodbEndpoint: string, s3Endpoint: string) {
  Object.assign(process.env, {
    TABLE_NAME: 'bench-export',
    DYNAMODB_ENDPOINT: dynamodbEndpoint,
    S3_ENDPOINT: s3Endpoint,
    IMPORT_BUCKET: 'bench-imports',
    EXPORT_BUCKET: 'bench-exports',
    KEY_CACHE_SECONDS: '60',
    AWS_REGION: 'eu-south-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  const { dynamo } = await import('../shared/clients.ts');
  const { stores, segmentExportStores } = await import('../shared/http/stores.ts');
  let rcu = 0;
  // Every read the export makes: the shard Queries, the erasure marks (a Query), batch reads (an array of per-table
  // figures) and the single GetItems (export record, privacy secret).
  const READS = new Set(['QueryCommand', 'BatchGetItemCommand', 'BatchGetCommand', 'GetItemCommand', 'GetCommand']);
  type Capacity = { ReadCapacityUnits?: number; CapacityUnits?: number };
  dynamo().middlewareStack.add(
    (next, ctx) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const cc = (out.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      if (READS.has(ctx.commandName ?? '') && cc) for (const c of [cc].flat()) rcu += c.ReadCapacityUnits ?? c.CapacityUnits ?? 0;
      return out;
    },
    { step: 'initialize', name: 'benchRcu' },
  );
  return { db: dynamo(), stores, segmentExportStores, rcu: () => rcu, resetRcu: () => (rcu = 0) };
}

/**
 * Runs the workflow's steps for a new export of everyone of `tenantId`; answers rows and ms. `sample` is
 * called after each part and after Combine (liveHeapDuring reads the live heap there).
 */
export async function exportOnce(tenantId: string, sample: () => void = () => undefined) {
  const { stores, segmentExportStores } = await import('../shared/http/stores.ts');
  const { requestExport } = await import('../shared/exports/exports.ts');
  const steps = await import('../shared/exports/export-steps.ts');
  const tenant = (await stores().tenants.getTenant(tenantId))!;
  const { exports, segments, exportFiles } = segmentExportStores();
  // The workflow's steps with the export task's own store, which checks rows against erasure marks.
  const { exportWorkerStore } = await import('../shared/http/stores/export-worker.ts');
  const deps = { exports: exportWorkerStore(), files: exportFiles };
  const started = performance.now();
  const { exportSlotStore } = await import('../shared/http/stores/exports.ts');
  // The bench's exports run one after another: the concurrent-export limit is not what it measures.
  const { exportId } = await requestExport({ exports, segments, tenant, actor: { keyId: 'bench' }, start: async () => undefined, slots: exportSlotStore(), maxConcurrent: 50 }, { filter: {}, format: 'csv', delimiter: ',' } as never);
  const planned = await steps.plan(deps, { tenantId, exportId });
  const parts = [...planned.parts];
  const partResults: Awaited<ReturnType<typeof steps.writePart>>[] = [];
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let p = parts.shift(); p; p = parts.shift()) {
      partResults.push(await steps.writePart(deps, p));
      sample();
    }
  }));
  const combined = await steps.combine(deps, { ...planned, partResults });
  sample();
  const done = await steps.record(deps, combined);
  return { rows: done.rowCount, ms: performance.now() - started };
}

/**
 * The same rows read with a plain paginated Query per shard (same index, same page size, 4 at a time) and
 * csv-stringify. The page size is the export's: DynamoDB Local without a Limit is several times slower per
 * page, which would flatter the export.
 */
export async function plainQuery(tenantId: string) {
  const { dynamo } = await import('../shared/clients.ts');
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const { keys } = await import('../shared/store/keys.ts');
  const { CUSTOMER_SHARDS } = await import('../shared/store/table.ts');
  const { cardEntity } = await import('../shared/store/entities.ts');
  const { COLUMN_NAMES } = await import('../shared/exports/export-format.ts');
  const { EXPORT_PAGE_ITEMS } = await import('../shared/store/export.store.ts');
  const started = performance.now();
  let rows = 0;
  let bytes = 0;
  const shards = Array.from({ length: CUSTOMER_SHARDS }, (_, i) => i);
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let shard = shards.shift(); shard !== undefined; shard = shards.shift()) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await dynamo().send(new QueryCommand({ TableName: process.env.TABLE_NAME!, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': keys.customerListPk(tenantId, shard) }, ExclusiveStartKey, Limit: EXPORT_PAGE_ITEMS }));
        const cs = (page.Items ?? []).map(cardEntity.fromItem);
        const flat = cs.map((c) => COLUMN_NAMES.map((k) => (k in c.stats ? c.stats[k as keyof typeof c.stats] : k === 'consent' ? c.consent.newsletter : k === 'tags' ? c.tags.join('|') : ((c as unknown as Record<string, unknown>)[k] ?? null))));
        bytes += stringify(flat as never).length;
        rows += cs.length;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
  }));
  return { rows, ms: performance.now() - started, bytes };
}

export async function seed(tenantId: string, n: number) {
  const { ulid } = await import('ulid');
  const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const { dynamo } = await import('../shared/clients.ts');
  const { cardEntity } = await import('../shared/store/entities.ts');
  const { emptyStats } = await import('../shared/domain/customer.schema.ts');
  const { stores } = await import('../shared/http/stores.ts');
  const { ensureTenant } = await import('../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, tenantId);
  const at = '2026-01-01T10:00:00.000Z';
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < n; i += 25) {
    batches.push(Array.from({ length: Math.min(25, n - i) }, (_, j) => {
      const k = i + j;
      return cardEntity.item(tenantId, {
        id: ulid(), firstName: `Nome${k}`, lastName: `Cognome${k}`, email: `persona${k}@esempio.it`, phone: `+39333${String(1000000 + k)}`, language: 'it',
        consent: { newsletter: k % 3 ? 'granted' : 'unknown', updatedAt: null, source: null }, tags: k % 4 ? ['Regular'] : ['VIP', 'Local'], birthDate: null, gender: null,
        city: 'Bologna', postalCode: '40121', country: 'IT', notes: k % 10 ? null : 'Tavolo vicino alla finestra', attributes: {}, firstContactAt: at, lastContactAt: at,
        stats: { ...emptyStats(), totalSpent: k * 10 }, createdAt: at, updatedAt: at, version: 1,
      });
    }));
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let b = batches.shift(); b; b = batches.shift()) {
      let pending: Record<string, unknown>[] = b.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const out = await dynamo().send(new BatchWriteCommand({ RequestItems: { [process.env.TABLE_NAME!]: pending as never } }));
        pending = (out.UnprocessedItems?.[process.env.TABLE_NAME!] as Record<string, unknown>[] | undefined) ?? [];
      }
    }
  }));
}

const childArgs = (tenantId: string) => [tenantId, process.env.DYNAMODB_ENDPOINT!, process.env.S3_ENDPOINT!];

function rssInChild(tenantId: string): Promise<number> {
  return peakRssInChild(import.meta.url, childArgs(tenantId));
}

/**
 * The ExportTask function's memory size, read from its definition (infra/export-workflow.ts) so the
 * "as deployed" rows follow a change there; a definition this cannot read stops the benchmark.
 */
export function exportTaskMemoryMb(source = readFileSync(new URL('../infra/export-workflow.ts', import.meta.url), 'utf8')): number {
  const definition = /new ClientelaFunction\(this, WORKERS\.exportTask\.name, \{([\s\S]*?)\n {4}\}\);/.exec(source)?.[1];
  const memory = definition && /\bmemorySize: (\d+),/.exec(definition)?.[1];
  if (!memory) throw new Error('bench/export.ts: the ExportTask memorySize was not found in infra/export-workflow.ts; update exportTaskMemoryMb');
  return Number(memory);
}

/**
 * The deployed function's node: the flags Lambda's runtime derives from its memory size, and the NODE_OPTIONS
 * every function gets (infra/constructs/bundling.ts). The bench still runs this machine's node (Lambda: 22.x).
 */
async function deployedNode(): Promise<{ nodeArgs: string[]; env: Record<string, string> }> {
  const { FUNCTION_NODE_OPTIONS } = await import('../infra/constructs/bundling.ts');
  return { nodeArgs: lambdaNodeFlags(exportTaskMemoryMb()), env: { NODE_OPTIONS: FUNCTION_NODE_OPTIONS } };
}

/** Peak RSS of the export in a fresh process started as Lambda starts the deployed function. */
async function deployedRssInChild(tenantId: string): Promise<number> {
  const { nodeArgs, env } = await deployedNode();
  return peakRssInChild(import.meta.url, childArgs(tenantId), nodeArgs, env);
}

/** Live heap of the export (bench/peak-rss.ts liveHeapDuring) in a fresh process started as the deployed one. */
async function liveInChild(tenantId: string): Promise<number> {
  const { nodeArgs, env } = await deployedNode();
  return liveHeapInChild(import.meta.url, childArgs(tenantId), nodeArgs, env);
}

/** Peak RSS as plain node, and (`all`) as deployed and live heap, both sizes of each at once; MB. */
async function memoryFigures(small: string, large: string, all: boolean) {
  // Peak RSS is each child's own, whatever runs beside it: both sizes at once.
  const [rssSmall, rssLarge] = await Promise.all([rssInChild(small), rssInChild(large)]);
  if (!all) return { rssSmall, rssLarge };
  const [deployedSmall, deployedLarge] = await Promise.all([deployedRssInChild(small), deployedRssInChild(large)]);
  const [liveSmall, liveLarge] = await Promise.all([liveInChild(small), liveInChild(large)]);
  return { rssSmall, rssLarge, deployed: { small: deployedSmall, large: deployedLarge }, live: { small: liveSmall, large: liveLarge } };
}

function memoryRows(sizes: string, m: Awaited<ReturnType<typeof memoryFigures>>, suffix: string): BenchRow[] {
  const memory = exportTaskMemoryMb();
  return [
    row(`export: peak RSS ${sizes} customers${suffix}`, m.rssLarge, 'MB', m.rssSmall, 'ratio ≤ 1.2'),
    // Reported, no target of their own: what the deployed function's process reaches, and what the export holds.
    ...(m.deployed ? [row(`export: peak RSS ${sizes} customers${suffix}, as deployed (node flags of Lambda's runtime at ${memory} MB)`, m.deployed.large, 'MB', m.deployed.small, null)] : []),
    ...(m.live ? [row(`export: live heap (V8 heap in use right after full collections, largest reading) ${sizes} customers${suffix}`, m.live.large, 'MB', m.live.small, null)] : []),
  ];
}

export async function run({ quick }: BenchOptions): Promise<BenchRow[]> {
  const large = quick ? 2_500 : 100_000;
  const small = quick ? 500 : 10_000;
  const { startS3, createTable, createBuckets, s3Client } = await import('../local/emulators.ts');
  const { benchDynamo } = await import('./emulators.ts');
  const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const [dynamo, s3] = await Promise.all([benchDynamo(['bench-export']), startS3({ dir })]);
  try {
    const env = await setup(dynamo.endpoint, s3.endpoint);
    await createTable(env.db, 'bench-export');
    await createBuckets(s3Client(s3.endpoint), ['bench-imports', 'bench-exports']);
    const phase = phaseLog('export');
    await seed('bench-small', small);
    await seed('bench-large', large);
    phase(`seeded ${small} + ${large} customers`);

    await plainQuery('bench-small'); // warm-up
    const k = (n: number) => `${n / 1000}k`;
    /** Best of two, alternating with the plain read so both see the same machine. */
    async function measure() {
      let exportMs = Infinity;
      let plainMs = Infinity;
      let rcuPerRow = 0;
      for (let i = 0; i < 2; i++) {
        const p = await plainQuery('bench-large');
        if (p.rows !== large) throw new Error(`plain query read ${p.rows} of ${large}`);
        plainMs = Math.min(plainMs, p.ms);
        env.resetRcu();
        const e = await exportOnce('bench-large');
        if (e.rows !== large) throw new Error(`export wrote ${e.rows} of ${large}`);
        rcuPerRow = env.rcu() / large;
        exportMs = Math.min(exportMs, e.ms);
      }
      return { rowsPerSecond: large / (exportMs / 1000), plainRowsPerSecond: large / (plainMs / 1000), rcuPerRow };
    }
    // A tenant that never erased anyone has no privacy secret: the export skips the erasure check.
    const unchecked = await measure();
    phase('export and plain read, best of 2');
    const memory = await memoryFigures('bench-small', 'bench-large', !quick);
    phase(quick ? 'memory children (peak RSS)' : 'memory children (peak RSS, as deployed, live)');
    // A tenant that erased people recently: every exported row is checked against its erasure marks (read
    // once per shard, strongly consistent), so an index that lags never leaks an erased person. 500 marks:
    // a day of the retention job at its per-tenant limit.
    const { dynamoPrivacyStore } = await import('../shared/store/privacy.store.ts');
    const { tenantSecrets } = await import('../shared/http/stores/secrets.ts');
    const { privacyKeys } = await import('../shared/store/keys.ts');
    const { erasureMark } = await import('../shared/privacy/hmac.ts');
    const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
    const privacy = dynamoPrivacyStore(env.db, process.env.TABLE_NAME!, tenantSecrets());
    for (const t of ['bench-small', 'bench-large']) {
      const mark = erasureMark(await privacy.privacySecret(t));
      const marks = Array.from({ length: 500 }, (_, i) => ({ PutRequest: { Item: { ...privacyKeys.erased(t, mark(`01ERASED${String(i).padStart(18, '0')}`)), entity: 'erasureMark' } } }));
      for (let i = 0; i < marks.length; i += 25) await env.db.send(new BatchWriteCommand({ RequestItems: { [process.env.TABLE_NAME!]: marks.slice(i, i + 25) } }));
    }
    phase('erasure marks written');
    const checked = await measure();
    phase('export with the erasure check and plain read, best of 2');
    const checkedMemory = await memoryFigures('bench-small', 'bench-large', !quick);
    phase('memory children, with the erasure check');
    return [
      row(`export: ${k(large)} customers, workflow steps vs plain Query + csv-stringify`, unchecked.rowsPerSecond, 'rows/s', unchecked.plainRowsPerSecond, 'ratio ≥ 0.7'),
      row(
        `export: ${k(large)} customers of a tenant with 500 recent erasures (every row checked against the erasure marks) vs plain Query + csv-stringify`,
        checked.rowsPerSecond,
        'rows/s',
        checked.plainRowsPerSecond,
        'ratio ≥ 0.7',
      ),
      row('export: read units per exported customer (DynamoDB Local; Query, no erasure check)', unchecked.rcuPerRow, 'RCU', null, null),
      row('export: read units per exported customer with the erasure check (Query + the marks, once per shard)', checked.rcuPerRow, 'RCU', null, null),
      ...memoryRows(`${k(large)} vs ${k(small)}`, memory, ''),
      ...memoryRows(`${k(large)} vs ${k(small)}`, checkedMemory, ', with the erasure check'),
    ];
  } finally {
    await Promise.allSettled([dynamo.stop(), s3.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

// `--rss-child TENANT DYNAMO S3`: one export in a fresh process; prints the peak resident set size (KB).
if (process.argv[2] === '--rss-child') {
  await setup(process.argv[4]!, process.argv[5]!);
  await exportOnce(process.argv[3]!);
  reportPeakRss();
}

// `--live-child TENANT DYNAMO S3`: one export in a fresh process; prints its live heap (MB).
if (process.argv[2] === '--live-child') {
  await setup(process.argv[4]!, process.argv[5]!);
  const { liveMb } = await liveHeapDuring((sample) => exportOnce(process.argv[3]!, sample));
  reportLiveHeap(liveMb);
}
