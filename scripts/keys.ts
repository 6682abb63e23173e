/**
 * `npm run keys -- <command>`: API keys of a tenant.
 *
 *   create --tenant NAME      creates the tenant if needed; prints a new sk_ and pk_ key
 *   list [--tenant NAME]      key id, kind, prefix, created, revoked (tenant default: demo)
 *   revoke KEY_ID [--tenant NAME]
 *
 * Where: locally (default) the DynamoDB of the `npm start` running on DATA_DIR (found through
 * DATA_DIR/runtime.json), or, when none runs, DynamoDB Local started on DATA_DIR's files for the command.
 * Against AWS with `--stack-outputs FILE` (`cdk deploy --outputs-file FILE`), or with TABLE_NAME set and
 * no DYNAMODB_ENDPOINT (credentials and region from the usual AWS environment).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable, dynamoClient, LOCAL_REGION, startDynamo, type DynamoLocal } from '../local/emulators.ts';
import { isAlive, LOCAL_RESOURCES, readRuntime } from '../local/runtime-file.ts';
import { dynamoTenantStore, type TenantStore } from '../shared/store/tenant.store.ts';
import { ensureTenant, issueKey, revokeKey } from '../shared/domain/tenants.ts';
import { TenantIdSchema } from '../shared/domain/tenant.schema.ts';
import { DomainError } from '../shared/domain/errors.ts';

const USAGE = `usage: npm run keys -- create --tenant NAME
       npm run keys -- list [--tenant NAME]
       npm run keys -- revoke KEY_ID [--tenant NAME]
options: --stack-outputs FILE   use the deployed stack (cdk deploy --outputs-file FILE)
env:     DATA_DIR (default .data) for the local instance; TABLE_NAME without DYNAMODB_ENDPOINT for AWS`;

class UsageError extends Error {}

interface Target {
  db: DynamoDBDocumentClient;
  tableName: string;
  where: string;
  close(): Promise<void>;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string', short: 't' },
      'stack-outputs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const tenantArg = values.tenant;
  if (tenantArg !== undefined) {
    const parsed = TenantIdSchema.safeParse(tenantArg);
    if (!parsed.success) throw new UsageError(`--tenant "${tenantArg}": ${parsed.error.issues[0]?.message}`);
  }
  const tenantId = tenantArg ?? 'demo';

  if (command === 'create') {
    if (tenantArg === undefined) throw new UsageError('create needs --tenant NAME');
    if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
  } else if (command === 'list') {
    if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
  } else if (command === 'revoke') {
    if (rest.length !== 1) throw new UsageError('revoke needs exactly one KEY_ID');
  } else {
    throw new UsageError(`unknown command ${command}`);
  }

  const target = await connect(values['stack-outputs']);
  try {
    const store = dynamoTenantStore(target.db, target.tableName);
    console.error(`(${target.where})`);
    if (command === 'create') await create(store, tenantId);
    else if (command === 'list') await list(store, tenantId);
    else await revoke(store, tenantId, rest[0]!);
  } finally {
    await target.close();
  }
}

async function create(store: TenantStore, tenantId: string) {
  const { created } = await ensureTenant(store, tenantId);
  const secret = await issueKey(store, tenantId, 'secret');
  const publishable = await issueKey(store, tenantId, 'publishable');
  console.log(`tenant ${tenantId}${created ? ' (created)' : ''}`);
  console.log(`secret key:       ${secret.key}   (key id ${secret.keyId})`);
  console.log(`publishable key:  ${publishable.key}   (key id ${publishable.keyId})`);
  console.log('Keep them now: only their hashes are stored, they cannot be shown again.');
}

async function list(store: TenantStore, tenantId: string) {
  if (!(await store.getTenant(tenantId))) throw new UsageError(`tenant ${tenantId} does not exist`);
  const keys = (await store.listApiKeys(tenantId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const rows = [
    ['KEY ID', 'KIND', 'PREFIX', 'CREATED', 'REVOKED'],
    ...keys.map((k) => [k.keyId, k.kind, `${k.prefix}…`, k.createdAt, k.revokedAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`tenant ${tenantId}: ${keys.length} key${keys.length === 1 ? '' : 's'}`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

async function revoke(store: TenantStore, tenantId: string, keyId: string) {
  await revokeKey(store, tenantId, keyId);
  console.log(`revoked key ${keyId} of tenant ${tenantId} (warm functions may accept it for a few more seconds)`);
}

/** The table to work on: a deployed stack's, a running `npm start`'s, or DATA_DIR's files. */
async function connect(stackOutputs: string | undefined): Promise<Target> {
  const docClient = (client: DynamoDBClient) => DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

  if (stackOutputs || (process.env.TABLE_NAME && !process.env.DYNAMODB_ENDPOINT)) {
    const tableName = stackOutputs ? tableFromOutputs(stackOutputs) : process.env.TABLE_NAME!;
    const client = new DynamoDBClient({});
    return { db: docClient(client), tableName, where: `AWS table ${tableName}`, close: async () => client.destroy() };
  }

  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const runtime = readRuntime(dataDir);
  if (runtime && isAlive(runtime.pid)) {
    const client = dynamoClient(runtime.dynamodbEndpoint);
    return { db: docClient(client), tableName: runtime.tableName, where: `local instance ${runtime.url}, ${dataDir}`, close: async () => client.destroy() };
  }

  // Nothing running: open DATA_DIR's database for the duration of the command.
  if (!existsSync(join(dataDir, 'dynamodb'))) {
    console.error(`No local data in ${dataDir} yet: creating it (npm start will find it).`);
  }
  let dynamo: DynamoLocal | undefined = await startDynamo({ dir: join(dataDir, 'dynamodb') });
  const stopDynamo = () => {
    const d = dynamo;
    dynamo = undefined;
    return d?.stop();
  };
  process.once('SIGINT', () => void stopDynamo()?.finally(() => process.exit(130)));
  const client = dynamoClient(dynamo.endpoint);
  try {
    await createTable(client, LOCAL_RESOURCES.tableName);
  } catch (e) {
    client.destroy();
    await stopDynamo();
    throw e;
  }
  return {
    db: docClient(client),
    tableName: LOCAL_RESOURCES.tableName,
    where: `${dataDir} (no npm start running; DynamoDB Local started for this command, region ${LOCAL_REGION})`,
    close: async () => {
      client.destroy();
      await stopDynamo();
    },
  };
}

/** The table name in `cdk deploy --outputs-file` output: `{ "<stack>": { "TableName": "..." } }`. */
function tableFromOutputs(file: string): string {
  let outputs: Record<string, Record<string, unknown>>;
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8')) as typeof outputs;
  } catch (e) {
    throw new UsageError(`cannot read --stack-outputs ${file}: ${(e as Error).message}`);
  }
  const names = Object.values(outputs).flatMap((o) =>
    Object.entries(o ?? {}).filter(([k, v]) => /^TableName/.test(k) && typeof v === 'string').map(([, v]) => v as string),
  );
  if (names.length !== 1) throw new UsageError(`${file} should hold one TableName output; found ${names.length}`);
  return names[0]!;
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || String((error as { code?: string } | undefined)?.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`keys: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof DomainError) {
    console.error(`keys: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error('keys:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
