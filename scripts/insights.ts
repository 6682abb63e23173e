/**
 * `npm run insights -- --tenant NAME [--as-of DATE]`: recomputes a tenant's insights once (what the nightly
 * schedule and `POST /v1/insights/recompute` do), against the instance `npm start` runs on DATA_DIR (found
 * through DATA_DIR/runtime.json). It runs the very state machine CDK deploys, with the local runner, in this
 * process, and prints the recompute and the summary.
 *
 * `--backfill` first fills the purchase collection from the customers' booking/order states (a one-off
 * migration for tenants that had purchases before insights existed; see shared/store/insights-backfill.ts).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAlive, readRuntime } from '../local/runtime-file.ts';
import { LOCAL_REGION } from '../local/emulators.ts';
import { ValidationError } from '../shared/domain/errors.ts';

const USAGE = 'usage: npm run insights -- --tenant NAME [--as-of YYYY-MM-DD|ISO] [--backfill]\nenv:   DATA_DIR (default .data): the running npm start';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { tenant: { type: 'string' }, 'as-of': { type: 'string' }, backfill: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void console.log(USAGE);
  if (!values.tenant) throw new Error(`--tenant is required\n${USAGE}`);
  // Checked before looking for the instance: a mistyped date is said as such, in one line (exit 2).
  const { RecomputeRequestSchema } = await import('../shared/insights/insights.ts');
  const asOfInput = RecomputeRequestSchema.safeParse({ asOf: values['as-of'] });
  if (!asOfInput.success) throw new UsageError(`--as-of ${values['as-of']}: ${asOfInput.error.issues[0]?.message ?? 'is not a date'}`);
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const runtime = readRuntime(dataDir);
  if (!runtime || !isAlive(runtime.pid)) throw new Error(`no running instance found in ${dataDir} (start one with npm start, or set DATA_DIR)`);
  // The handlers read their configuration once: point it at the running instance before loading them.
  Object.assign(process.env, {
    TABLE_NAME: runtime.tableName,
    IMPORT_BUCKET: runtime.importBucket,
    EXPORT_BUCKET: runtime.exportBucket,
    DYNAMODB_ENDPOINT: runtime.dynamodbEndpoint,
    S3_ENDPOINT: runtime.s3Endpoint,
    AWS_REGION: runtime.region ?? LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
  });
  const [{ insightsWorkflowRunner }, { registerInsightsRunner }, { stores }, { insightsStores }, insights, { startInsights }, { backfillPurchases }, { dynamo }] = await Promise.all([
    import('../local/step-functions.ts'),
    import('../local/workflow-port.ts'),
    import('../shared/http/stores.ts'),
    import('../shared/http/insights-stores.ts'),
    import('../shared/insights/insights.ts'),
    import('../shared/workflows.ts'),
    import('../shared/store/insights-backfill.ts'),
    import('../shared/clients.ts'),
  ]);
  const tenant = await stores().tenants.getTenant(values.tenant);
  if (!tenant) throw new Error(`no tenant ${values.tenant} (npm run keys -- create --tenant ${values.tenant})`);
  if (values.backfill) {
    const done = await backfillPurchases(dynamo(), runtime.tableName, tenant);
    console.log(`backfill: ${done.customers} customers, ${done.purchases} purchases written, ${done.months} month counters set`);
  }
  const runner = await insightsWorkflowRunner({ cacheDir: join(dataDir, 'cache') });
  registerInsightsRunner(runner);
  const ctx = { insights: insightsStores().insights, tenant };
  const { recomputeId } = await insights.requestRecompute({ ...ctx, start: startInsights }, asOfInput.data, 'cli').catch((e: unknown) => {
    // A date in the future or before 1970 (it needs the tenant's time zone to tell): said like a mistyped one.
    if (e instanceof ValidationError) throw new UsageError(`--as-of ${values['as-of']}: ${e.errors[0]?.message ?? e.message}`);
    throw e;
  });
  await runner.idle();
  const record = await insights.getRecompute(ctx, recomputeId);
  console.log(JSON.stringify(record, null, 2));
  if (record.status !== 'completed') throw new Error(record.reason ?? 'the recompute did not complete');
  const { months, ...summary } = await insights.summary(ctx);
  console.log(JSON.stringify({ ...summary, months: months.slice(-3) }, null, 2));
}

/** Wrong input on the command line: one line saying what is wrong, exit code 2. */
class UsageError extends Error {}

try {
  await main(process.argv.slice(2));
} catch (error) {
  console.error('insights:', error instanceof Error ? error.message : error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
