/**
 * `npm start`: the whole backend on this machine. DynamoDB Local and s3rver stand in for DynamoDB and S3,
 * the HTTP adapter for API Gateway, aws-local-stepfunctions for Step Functions; the handlers are the
 * ones Lambda runs. Everything lives in DATA_DIR (default .data/), and survives a restart.
 *
 * `npm start` runs it as `node --import tsx local/start.ts`, one process: tsx's CLI would put a parent in
 * front that relays SIGINT/SIGTERM and SIGKILLs this process (exit 143, Java left to the watchdog) when it
 * does not acknowledge the signal within 30 ms, which a busy machine misses.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { allowBrowserUploads, createBuckets, createTable, dynamoClient, LOCAL_REGION, portInUse, s3Client, startDynamo, startS3, type DynamoLocal, type S3Local } from './emulators.ts';
import { commandLine, isAlive, LOCAL_RESOURCES, readRuntime, runtimeFile, type RuntimeInfo } from './runtime-file.ts';
import { createApiServer, INTEGRATION_TIMEOUT_MS } from './http-adapter.ts';
import { ensureConsoleBuilt } from './console-build.ts';
import { forwardS3Events, type S3EventForwarder } from './s3-events.ts';
import { exportWorkflowRunner, insightsWorkflowRunner, type WorkflowRunner } from './step-functions.ts';
import { registerExportRunner, registerInsightsRunner } from './workflow-port.ts';
import { keysCommand } from './keys-command.ts';
import { runRedactionContinuations } from './redaction-continuations.ts';
import { finishRedactions, recoverInterruptedJobs, recoveryNote } from './recover-jobs.ts';
import { masterKeyWrapper, secretBox } from '../shared/secrets/envelope.ts';
import { dynamoTenantStore, type TenantStore } from '../shared/store/tenant.store.ts';
import { ensureTenant, issueKey } from '../shared/domain/tenants.ts';
import { loadOrCreateMasterKey, masterKeyFile } from '../shared/secrets/master-key-file.ts';
import { hashKey, type KeyKind } from '../shared/domain/api-key.ts';
import { DOCUMENT_CLIENT_OPTIONS } from '../shared/clients/dynamo.ts';

const DEMO_TENANT = 'demo';

class StartError extends Error {}

const port = parsePort(process.env.PORT ?? '3000');
/**
 * An API function's timeout here: Lambda's (10 s, as CDK deploys it) unless LOCAL_FUNCTION_TIMEOUT_MS says
 * otherwise. On a machine busy with other work a request can take several times what it takes on Lambda,
 * which has its CPU to itself: the tests' and bench's instances (bench/local-instance.ts) give more.
 */
const functionTimeoutMs = parseTimeout(process.env.LOCAL_FUNCTION_TIMEOUT_MS);
const dataDir = resolve(process.env.DATA_DIR ?? '.data');
const outboxDir = join(dataDir, 'outbox');
const host = '127.0.0.1';
const url = `http://${host}:${port}`;

let dynamo: DynamoLocal | undefined;
let s3: S3Local | undefined;
let server: Server | undefined;
let forwarder: S3EventForwarder | undefined;
let runner: WorkflowRunner | undefined;
let insightsRunner: WorkflowRunner | undefined;
let unregisterInsights: (() => void) | undefined;
let unregisterRunner: (() => void) | undefined;
let stopRedactions: (() => void) | undefined;
let wroteRuntime = false;
let stoppingSince = 0;

process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('unhandledRejection', (error) => console.error('clientela: unhandled rejection', error));

try {
  await start();
} catch (error) {
  console.error(`\nclientela could not start: ${error instanceof StartError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await cleanUp();
  process.exit(1);
}

async function start() {
  mkdirSync(dataDir, { recursive: true });
  checkNoOtherInstance();
  if (await portInUse(port, host)) {
    throw new StartError(`port ${port} on ${host} is already in use. Stop what is using it, or pick another port: PORT=${port + 1} npm start`);
  }

  // The definition synthesis (a few seconds the first time, then cached) overlaps the emulators' start.
  const workflow = exportWorkflowRunner({ cacheDir: join(dataDir, 'cache') }).catch((error: unknown) => error as Error);
  const insightsWorkflow = workflow.then(() => insightsWorkflowRunner({ cacheDir: join(dataDir, 'cache') })).catch((error: unknown) => error as Error);
  const consoleDir = ensureConsoleBuilt();
  [dynamo, s3] = await Promise.all([startDynamo({ dir: join(dataDir, 'dynamodb') }), startS3({ dir: join(dataDir, 's3') })]);

  // Handlers read their configuration once, on first use: set it before any handler is imported.
  Object.assign(process.env, {
    TABLE_NAME: LOCAL_RESOURCES.tableName,
    IMPORT_BUCKET: LOCAL_RESOURCES.importBucket,
    EXPORT_BUCKET: LOCAL_RESOURCES.exportBucket,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // Mail clientela sends (double opt-in) is written here as .eml files instead of being sent.
    MAIL_OUTBOX_DIR: outboxDir,
    // Links in those mails (confirm, unsubscribe) point at this runtime.
    PUBLIC_BASE_URL: url,
    // The key that seals the tenant secrets (the KMS key's stand-in), next to the data, never in the table.
    SECRETS_MASTER_KEY_FILE: masterKeyFile(dataDir),
  });
  loadOrCreateMasterKey(masterKeyFile(dataDir));
  mkdirSync(outboxDir, { recursive: true });

  const ddb = dynamoClient(dynamo.endpoint);
  const db = DynamoDBDocumentClient.from(ddb, DOCUMENT_CLIENT_OPTIONS);
  await createTable(ddb, LOCAL_RESOURCES.tableName);
  const s3c = s3Client(s3.endpoint);
  await createBuckets(s3c, [LOCAL_RESOURCES.importBucket, LOCAL_RESOURCES.exportBucket]);
  // The console uploads CSVs from the browser with the presigned POST, as the deployed bucket allows (infra/stateful.ts).
  await allowBrowserUploads(s3c, LOCAL_RESOURCES.importBucket);
  // What a previous run that died (no SIGINT stop) left unfinished: nothing else would ever end it here.
  const recovery = { db, s3: s3c, tableName: LOCAL_RESOURCES.tableName, exportBucket: LOCAL_RESOURCES.exportBucket, importBucket: LOCAL_RESOURCES.importBucket };
  const recoveredJobs = await recoverInterruptedJobs(recovery);
  const redactions = await finishRedactions({ ...recovery, secrets: secretBox(masterKeyWrapper(() => loadOrCreateMasterKey(masterKeyFile(dataDir)))) });
  const recovered = recoveryNote(recoveredJobs, redactions);
  s3c.destroy();

  forwarder = forwardS3Events(s3.s3rver, { bucket: LOCAL_RESOURCES.importBucket, region: LOCAL_REGION });
  const loaded = await workflow;
  if (loaded instanceof Error) {
    console.warn(`clientela: the export workflow is not available locally (exports will not run): ${loaded.message}`);
  } else {
    runner = loaded;
    unregisterRunner = registerExportRunner(loaded);
  }
  const insights = await insightsWorkflow;
  if (insights instanceof Error) {
    console.warn(`clientela: the insights workflow is not available locally (recomputes will not run): ${insights.message}`);
  } else {
    insightsRunner = insights;
    unregisterInsights = registerInsightsRunner(insights);
  }

  const keys = await demoKeys(dynamoTenantStore(db, LOCAL_RESOURCES.tableName));
  ddb.destroy();

  // An erasure's report redaction that did not fit its DELETE goes on after it, as the function invoking itself does on AWS.
  stopRedactions = runRedactionContinuations({ functionTimeoutMs });
  server = createApiServer({
    consoleDir: await consoleDir,
    consoleUploadOrigins: [new URL(s3.endpoint).origin],
    ...(functionTimeoutMs ? { functionTimeoutMs, timeoutMs: Math.max(INTEGRATION_TIMEOUT_MS, functionTimeoutMs) } : {}),
  });
  await new Promise<void>((ok, fail) => {
    server!.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new StartError(`port ${port} on ${host} is already in use: PORT=${port + 1} npm start`) : e),
    );
    server!.listen(port, host, () => ok());
  });

  const runtime: RuntimeInfo = {
    pid: process.pid,
    port,
    url,
    dataDir,
    region: LOCAL_REGION,
    dynamodbEndpoint: dynamo.endpoint,
    dynamodbPid: dynamo.pid,
    s3Endpoint: s3.endpoint,
    tableName: LOCAL_RESOURCES.tableName,
    importBucket: LOCAL_RESOURCES.importBucket,
    exportBucket: LOCAL_RESOURCES.exportBucket,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(runtimeFile(dataDir), JSON.stringify(runtime, null, 2) + '\n');
  wroteRuntime = true;

  console.log(
    [
      '',
      'clientela is running locally',
      `  URL:              ${url}`,
      `  Console:          ${url}/#key=${keys.secret.key}`,
      `  Tenant:           ${keys.tenantId}`,
      `  Secret key:       ${keys.secret.key}   (key id ${keys.secret.keyId})`,
      `  Publishable key:  ${keys.publishable.key}   (key id ${keys.publishable.keyId})`,
      `  Data:             ${dataDir}`,
      `  Outbox:           ${outboxDir}   (every mail clientela sends, as .eml files)`,
      ...keys.notes.map((n) => `  Note:             ${n}`),
      ...(recovered ? [`  Recovered:        ${recovered}`] : []),
      '',
      'Try:',
      `  curl -H "Authorization: Bearer ${keys.secret.key}" ${url}/v1/customers`,
      '',
      `More keys: ${keysCommand(dataDir, 'create --tenant NAME')}`,
      'Stop: Ctrl-C.',
      'clientela is ready',
    ].join('\n'),
  );
}

/** Refuses to run two instances on one DATA_DIR (one database file); cleans up after one that crashed. */
function checkNoOtherInstance() {
  const previous = readRuntime(dataDir);
  if (!previous) return;
  if (previous.pid !== process.pid && isAlive(previous.pid)) {
    throw new StartError(`another clientela (pid ${previous.pid}, ${previous.url}) is already running on ${dataDir}. Stop it, or use another DATA_DIR.`);
  }
  // A crashed instance may have left its DynamoDB Local running on our files.
  const cmd = previous.dynamodbPid ? commandLine(previous.dynamodbPid) : undefined;
  if (cmd?.includes('DynamoDBLocal') && cmd.includes(join(dataDir, 'dynamodb'))) {
    console.warn(`clientela: stopping DynamoDB Local (pid ${previous.dynamodbPid}) left behind by a previous run`);
    process.kill(previous.dynamodbPid, 'SIGTERM');
  }
  rmSync(runtimeFile(dataDir), { force: true });
}

interface StoredKey {
  key: string;
  keyId: string;
}
interface DemoKeys {
  tenantId: string;
  secret: StoredKey;
  publishable: StoredKey;
}

/**
 * The demo tenant and its two keys, created on the first start. The keys themselves are kept in
 * DATA_DIR/keys.json (a local convenience: the table holds only their hashes). A key that was revoked
 * or lost since is replaced, so what is printed always works.
 */
async function demoKeys(store: TenantStore): Promise<DemoKeys & { notes: string[] }> {
  const file = join(dataDir, 'keys.json');
  const notes: string[] = [];
  const { created } = await ensureTenant(store, DEMO_TENANT, 'Demo');
  if (created) notes.push(`created tenant ${DEMO_TENANT}`);
  let saved: Partial<DemoKeys> = {};
  if (existsSync(file)) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoKeys>;
    } catch {
      notes.push(`${file} was unreadable; issued new keys`);
    }
  }
  const usable = async (k: StoredKey | undefined) => {
    if (!k?.key) return false;
    const record = await store.getApiKey(hashKey(k.key));
    return !!record && !record.revokedAt && record.tenantId === DEMO_TENANT;
  };
  const pick = async (kind: KeyKind, k: StoredKey | undefined): Promise<StoredKey> => {
    if (await usable(k)) return k!;
    if (k?.key) notes.push(`the saved ${kind} key no longer works (revoked?); issued a new one`);
    const issued = await issueKey(store, DEMO_TENANT, kind);
    return { key: issued.key, keyId: issued.keyId };
  };
  const keys: DemoKeys = {
    tenantId: DEMO_TENANT,
    secret: await pick('secret', saved.secret),
    publishable: await pick('publishable', saved.publishable),
  };
  if (JSON.stringify(keys) !== JSON.stringify({ tenantId: saved.tenantId, secret: saved.secret, publishable: saved.publishable })) {
    writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { ...keys, notes };
}

async function stop(signal: string) {
  if (stoppingSince) {
    // A Ctrl-C reaches us from the terminal and again through npm: one stop. Later, a second one forces it.
    if (Date.now() - stoppingSince < 2_000) return;
    console.log('clientela: stopping now, without waiting');
    if (dynamo && isAlive(dynamo.pid)) process.kill(dynamo.pid, 'SIGTERM');
    process.exit(130);
  }
  stoppingSince = Date.now();
  console.log(`\nclientela: stopping (${signal})...`);
  await cleanUp();
  console.log('clientela: stopped');
  process.exit(0);
}

async function cleanUp() {
  const step = async (what: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (error) {
      console.error(`clientela: could not stop ${what}:`, error);
    }
  };
  await step('the HTTP server', () => {
    if (!server?.listening) return;
    const closed = new Promise((ok) => server!.close(ok));
    server.closeAllConnections();
    return closed;
  });
  await step('S3 events', () => forwarder?.stop());
  stopRedactions?.();
  unregisterRunner?.();
  unregisterInsights?.();
  await step('running workflows', () => runner?.stop());
  await step('running recomputes', () => insightsRunner?.stop());
  await step('s3rver', () => s3?.stop());
  await step('DynamoDB Local', async () => {
    await dynamo?.stop();
    dynamo = undefined;
  });
  if (wroteRuntime) rmSync(runtimeFile(dataDir), { force: true });
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000 || n > 900_000) {
    console.error(`clientela could not start: LOCAL_FUNCTION_TIMEOUT_MS must be milliseconds from 1000 to 900000, not "${value}"`);
    process.exit(1);
  }
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`clientela could not start: PORT must be a number from 1 to 65535, not "${value}"`);
    process.exit(1);
  }
  return n;
}
