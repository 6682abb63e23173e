/**
 * `npm run retention`: runs the retention job once (what the daily schedule runs in AWS): erases the
 * customers with no contact for longer than their tenant's `retention.inactiveMonths`.
 *
 * Where: the DynamoDB of the `npm start` running on DATA_DIR (found through DATA_DIR/runtime.json), or,
 * with TABLE_NAME, IMPORT_BUCKET and EXPORT_BUCKET set and no DYNAMODB_ENDPOINT, the AWS table and buckets (credentials
 * and region from the environment; erasure rewrites import error reports that quote the person and deletes their
 * spilled access exports).
 * `--now ISO` runs it as of another date (to see what a future run would erase: it erases for real).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '../local/emulators.ts';
import { isAlive, readRuntime } from '../local/runtime-file.ts';
import { dynamoPrivacyStore } from '../shared/store/privacy.store.ts';
import { RetentionFailedError, runRetention, type RetentionReport } from '../shared/privacy/retention.ts';
import { errorReportFiles } from '../shared/import/error-report.ts';
import { s3ObjectStore } from '../shared/import/object-store.ts';
import { s3PersonalDataFiles } from '../shared/store/personal-data.store.ts';
import { KMSClient } from '@aws-sdk/client-kms';
import { dynamoTenantSecrets } from '../shared/store/secret.store.ts';
import { masterKeyWrapper, secretBox, type SecretBox } from '../shared/secrets/envelope.ts';
import { kmsKeyWrapper } from '../shared/secrets/kms-key.ts';
import { loadOrCreateMasterKey, masterKeyFile } from '../shared/secrets/master-key-file.ts';
import { DOCUMENT_CLIENT_OPTIONS } from '../shared/clients/dynamo.ts';

const USAGE = 'usage: npm run retention [-- --now 2026-06-01T00:00:00Z]\nenv:   DATA_DIR (default .data) for the local instance; TABLE_NAME, IMPORT_BUCKET, EXPORT_BUCKET and SECRETS_KMS_KEY_ID (stack output SecretsKeyArn) without DYNAMODB_ENDPOINT for AWS';

/** What a run did, in lines for the terminal: the pending report redactions it finished, then each tenant's erasures. */
export function reportLines(report: RetentionReport): string[] {
  const lines: string[] = [];
  const r = report.redactions;
  if (r?.finished) lines.push(`finished ${r.finished} pending report redaction${r.finished === 1 ? '' : 's'} (import error reports that still quoted an erased person)`);
  if (r?.left) lines.push('some pending report redactions are left: run it again');
  if (!report.tenants.length) lines.push('No tenant has a retention setting (PATCH /v1/settings { "retention": { "inactiveMonths": 36 } }).');
  for (const t of report.tenants) {
    const failed = t.failed ? `; ${t.failed} failed (the next run tries them again)` : '';
    lines.push(`tenant ${t.tenantId}: erased ${t.erased} customer${t.erased === 1 ? '' : 's'} with no contact since ${t.cutoff}${failed}`);
  }
  return lines;
}

function printReport(report: RetentionReport): void {
  for (const line of reportLines(report)) console.log(line);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { now: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void console.log(USAGE);
  const now = values.now ? new Date(values.now) : undefined;
  if (now && Number.isNaN(now.getTime())) throw new Error(`--now ${values.now} is not a date`);

  let client: DynamoDBClient;
  let s3: S3Client;
  let tableName: string;
  let importBucket: string;
  let exportBucket: string;
  let secrets: SecretBox;
  if (process.env.TABLE_NAME && !process.env.DYNAMODB_ENDPOINT) {
    if (!process.env.IMPORT_BUCKET) throw new Error('IMPORT_BUCKET must be set with TABLE_NAME (the import bucket of the stack)');
    if (!process.env.EXPORT_BUCKET) throw new Error('EXPORT_BUCKET must be set with TABLE_NAME (the export bucket of the stack)');
    client = new DynamoDBClient({});
    s3 = new S3Client({});
    tableName = process.env.TABLE_NAME;
    importBucket = process.env.IMPORT_BUCKET;
    exportBucket = process.env.EXPORT_BUCKET;
    // Erasing creates or opens the tenant's privacy secret, sealed with the stack's KMS key (output SecretsKeyArn).
    if (!process.env.SECRETS_KMS_KEY_ID) throw new Error('SECRETS_KMS_KEY_ID must be set with TABLE_NAME (the SecretsKeyArn output of the stack)');
    secrets = secretBox(kmsKeyWrapper(new KMSClient({}), process.env.SECRETS_KMS_KEY_ID));
  } else {
    const dataDir = resolve(process.env.DATA_DIR ?? '.data');
    const runtime = readRuntime(dataDir);
    if (!runtime || !isAlive(runtime.pid)) throw new Error(`no running instance found in ${dataDir} (start one with npm start, or set DATA_DIR)`);
    client = dynamoClient(runtime.dynamodbEndpoint);
    s3 = s3Client(runtime.s3Endpoint);
    tableName = runtime.tableName;
    importBucket = runtime.importBucket;
    exportBucket = runtime.exportBucket;
    secrets = secretBox(masterKeyWrapper(() => loadOrCreateMasterKey(masterKeyFile(dataDir))));
  }
  try {
    const db = DynamoDBDocumentClient.from(client, DOCUMENT_CLIENT_OPTIONS);
    const stores = {
      privacy: dynamoPrivacyStore(db, tableName, dynamoTenantSecrets(db, tableName, secrets)),
      reportFiles: errorReportFiles(s3ObjectStore(s3), importBucket),
      personalData: s3PersonalDataFiles(s3, exportBucket),
    };
    let report: RetentionReport;
    try {
      report = await runRetention(stores, now ? { now: () => now } : {});
    } catch (e) {
      // Some erasures failed: say what the run did for every tenant before the error (exit code 1).
      if (e instanceof RetentionFailedError) printReport(e.report);
      throw e;
    }
    printReport(report);
  } finally {
    client.destroy();
    s3.destroy();
  }
}

// Run as a script (npm run retention), not when a test imports reportLines.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    console.error('retention:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
