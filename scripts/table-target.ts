/**
 * The table an operations command (`npm run keys`, `npm run reindex`) works on: a deployed stack's (`--stack-outputs FILE`, or TABLE_NAME without DYNAMODB_ENDPOINT), the
 * running `npm start`'s on DATA_DIR (DATA_DIR/runtime.json), or DynamoDB Local started on DATA_DIR's files
 * for the command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable, dynamoClient, LOCAL_REGION, startDynamo, type DynamoLocal } from '../local/emulators.ts';
import { isAlive, LOCAL_RESOURCES, readRuntime } from '../local/runtime-file.ts';
import { DOCUMENT_CLIENT_OPTIONS } from '../shared/clients/dynamo.ts';

export interface TableTarget {
  db: DynamoDBDocumentClient;
  tableName: string;
  where: string;
  close(): Promise<void>;
}

/** A wrong `--stack-outputs` file: the caller prints it with its usage. */
export class StackOutputsError extends Error {}

/** The local DATA_DIR the command would use, or undefined when it goes to AWS (`--stack-outputs`, TABLE_NAME). */
export function localDataDir(stackOutputs: string | undefined): string | undefined {
  if (stackOutputs || (process.env.TABLE_NAME && !process.env.DYNAMODB_ENDPOINT)) return undefined;
  return resolve(process.env.DATA_DIR ?? '.data');
}

export async function connectTable(stackOutputs: string | undefined): Promise<TableTarget> {
  const docClient = (client: DynamoDBClient) => DynamoDBDocumentClient.from(client, DOCUMENT_CLIENT_OPTIONS);

  const dataDir = localDataDir(stackOutputs);
  if (dataDir === undefined) {
    const tableName = stackOutputs ? tableFromOutputs(stackOutputs) : process.env.TABLE_NAME!;
    const client = new DynamoDBClient({});
    return { db: docClient(client), tableName, where: `AWS table ${tableName}`, close: async () => client.destroy() };
  }

  const runtime = readRuntime(dataDir);
  if (runtime && isAlive(runtime.pid)) {
    const client = dynamoClient(runtime.dynamodbEndpoint);
    return { db: docClient(client), tableName: runtime.tableName, where: `local instance ${runtime.url}, ${dataDir}`, close: async () => client.destroy() };
  }

  // Nothing running: open DATA_DIR's database for the duration of the command.
  if (!existsSync(join(dataDir, 'dynamodb'))) console.error(`No local data in ${dataDir} yet: creating it (npm start will find it).`);
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
    throw new StackOutputsError(`cannot read --stack-outputs ${file}: ${(e as Error).message}`);
  }
  const names = Object.values(outputs).flatMap((o) =>
    Object.entries(o ?? {}).filter(([k, v]) => /^TableName/.test(k) && typeof v === 'string').map(([, v]) => v as string),
  );
  if (names.length !== 1) throw new StackOutputsError(`${file} should hold one TableName output; found ${names.length}`);
  return names[0]!;
}
