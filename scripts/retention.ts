/**
 * `npm run retention`: runs the retention job once (what the daily schedule runs in AWS): erases the
 * customers with no contact for longer than their tenant's `retention.inactiveMonths`.
 *
 * Where: the DynamoDB of the `npm start` running on DATA_DIR (found through DATA_DIR/runtime.json), or,
 * with TABLE_NAME set and no DYNAMODB_ENDPOINT, the AWS table (credentials and region from the environment).
 * `--now ISO` runs it as of another date (to see what a future run would erase: it erases for real).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClient } from '../local/emulators.ts';
import { isAlive, readRuntime } from '../local/runtime-file.ts';
import { dynamoPrivacyStore } from '../shared/store/privacy.store.ts';
import { runRetention } from '../shared/privacy/retention.ts';

const USAGE = 'usage: npm run retention [-- --now 2026-06-01T00:00:00Z]\nenv:   DATA_DIR (default .data) for the local instance; TABLE_NAME without DYNAMODB_ENDPOINT for AWS';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { now: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void console.log(USAGE);
  const now = values.now ? new Date(values.now) : undefined;
  if (now && Number.isNaN(now.getTime())) throw new Error(`--now ${values.now} is not a date`);

  let client: DynamoDBClient;
  let tableName: string;
  if (process.env.TABLE_NAME && !process.env.DYNAMODB_ENDPOINT) {
    client = new DynamoDBClient({});
    tableName = process.env.TABLE_NAME;
  } else {
    const dataDir = resolve(process.env.DATA_DIR ?? '.data');
    const runtime = readRuntime(dataDir);
    if (!runtime || !isAlive(runtime.pid)) throw new Error(`no running instance found in ${dataDir} (start one with npm start, or set DATA_DIR)`);
    client = dynamoClient(runtime.dynamodbEndpoint);
    tableName = runtime.tableName;
  }
  try {
    const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const report = await runRetention(dynamoPrivacyStore(db, tableName), now ? { now: () => now } : {});
    if (!report.tenants.length) console.log('No tenant has a retention setting (PATCH /v1/settings { "retention": { "inactiveMonths": 36 } }).');
    for (const t of report.tenants) console.log(`tenant ${t.tenantId}: erased ${t.erased} customer${t.erased === 1 ? '' : 's'} with no contact since ${t.cutoff}`);
  } finally {
    client.destroy();
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  console.error('retention:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
