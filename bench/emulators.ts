import { DeleteTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { dynamoClient, startDynamo } from '../local/emulators.ts';

/**
 * One DynamoDB Local for a whole `npm run bench`: bench/run.ts starts it once and hands its endpoint to every
 * module's process (BENCH_DYNAMODB_ENDPOINT, BENCH_DYNAMODB_PID). Java takes ~5 s to start on an idle 2-core
 * machine and several times that on a busy one, and its JIT compiles the emulator's request paths during the
 * first thousands of requests; six modules each starting their own paid both six times. Each module keeps its
 * own table (bench-events, bench-import, …) and drops it when done, so neither its data nor its size reach the
 * next module. s3rver is not shared: it runs inside the module's own process (as before) and starts in
 * milliseconds. A module run on its own (`tsx bench/events.ts`, or `npm run bench -- --own-emulators`) starts
 * its own DynamoDB Local as before.
 */
export const SHARED_DYNAMODB_ENV = { endpoint: 'BENCH_DYNAMODB_ENDPOINT', pid: 'BENCH_DYNAMODB_PID' } as const;

export interface SharedDynamo {
  endpoint: string;
  /** The DynamoDB Local watchdog's pid (bench/insights.ts reads Java's CPU time under it), or undefined. */
  pid: number | undefined;
}

/**
 * The shared DynamoDB Local bench/run.ts handed down, if any. Pure: reads only `env`. A malformed endpoint
 * is an error rather than a silent fallback to a private emulator, which would quietly measure something else.
 */
export function sharedDynamoFrom(env: NodeJS.ProcessEnv): SharedDynamo | undefined {
  const endpoint = env[SHARED_DYNAMODB_ENV.endpoint]?.trim();
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`${SHARED_DYNAMODB_ENV.endpoint} must be an http:// URL, not "${endpoint}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${SHARED_DYNAMODB_ENV.endpoint} must be an http:// URL, not "${endpoint}"`);
  const rawPid = env[SHARED_DYNAMODB_ENV.pid]?.trim();
  const pid = rawPid ? Number(rawPid) : undefined;
  if (pid !== undefined && !(Number.isInteger(pid) && pid > 0)) throw new Error(`${SHARED_DYNAMODB_ENV.pid} must be a process id, not "${rawPid}"`);
  return { endpoint: url.origin, pid };
}

/** The environment bench/run.ts gives each module's process so that it uses `dynamo`. */
export function sharedDynamoEnv(dynamo: { endpoint: string; pid: number }): Record<string, string> {
  return { [SHARED_DYNAMODB_ENV.endpoint]: dynamo.endpoint, [SHARED_DYNAMODB_ENV.pid]: String(dynamo.pid) };
}

export interface BenchDynamo {
  endpoint: string;
  pid: number | undefined;
  /** Whether this is the run's shared emulator (true) or one started for this module (false). */
  shared: boolean;
  /** Shared: drops the module's `tables`. Own: stops the emulator (its in-memory tables go with it). */
  stop(): Promise<void>;
}

/** The DynamoDB Local a benchmark module uses: the run's shared one, or its own when run on its own. */
export async function benchDynamo(tables: string[]): Promise<BenchDynamo> {
  const shared = sharedDynamoFrom(process.env);
  if (!shared) {
    const own = await startDynamo();
    return { endpoint: own.endpoint, pid: own.pid, shared: false, stop: () => own.stop() };
  }
  return {
    ...shared,
    shared: true,
    async stop() {
      const client = dynamoClient(shared.endpoint);
      try {
        for (const TableName of tables) {
          try {
            await client.send(new DeleteTableCommand({ TableName }));
          } catch (e) {
            if (!(e instanceof ResourceNotFoundException)) throw e;
          }
        }
      } finally {
        client.destroy();
      }
    },
  };
}
