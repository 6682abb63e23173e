import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `npm start` as a user runs it, on a free port and a throw-away DATA_DIR, for benchmarks. */
export interface LocalInstance {
  url: string;
  secretKey: string;
  publishableKey: string;
  /** Where the instance writes the mail it sends (DATA_DIR/outbox). */
  outboxDir: string;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

/**
 * Where `keepWorkflowCache` keeps the state machine definitions `npm start` synthesises from the CDK app
 * (local/step-functions.ts caches them in DATA_DIR/cache, keyed by a hash of infra/): a throw-away DATA_DIR
 * would synthesise both again at every start, the longest part of it on a busy machine.
 */
const WORKFLOW_CACHE = fileURLToPath(new URL('./data/workflow-cache/', import.meta.url));

/** DATA_DIR/cache of a new `dataDir` as a link to the kept cache (WORKFLOW_CACHE). */
export function linkWorkflowCache(dataDir: string): void {
  mkdirSync(WORKFLOW_CACHE, { recursive: true });
  symlinkSync(WORKFLOW_CACHE, join(dataDir, 'cache'), 'dir');
}

/**
 * `opts.keepWorkflowCache`: DATA_DIR/cache is a link to bench/data/workflow-cache, which outlives the instance
 * (the benchmarks, and the e2e tests but test/e2e/start.test.ts, which checks a first start as a user makes
 * it); without it every start synthesises the definitions afresh.
 * `opts.env`: more environment for the instance, over this process's own. `opts.freePort`: how a port is
 * picked (tests).
 */
export async function startLocal(timeoutMs = 90_000, opts: { keepWorkflowCache?: boolean; env?: NodeJS.ProcessEnv; freePort?: () => Promise<number> } = {}): Promise<LocalInstance> {
  // The free port can be taken by any socket on the machine before the instance binds it: another port then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLocalOnce(timeoutMs, opts);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof PortTaken)) throw e;
    }
  }
}

class PortTaken extends Error {}

async function startLocalOnce(timeoutMs: number, opts: { keepWorkflowCache?: boolean; env?: NodeJS.ProcessEnv; freePort?: () => Promise<number> }): Promise<LocalInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientela-bench-'));
  if (opts.keepWorkflowCache) linkWorkflowCache(dataDir);
  const port = await (opts.freePort ?? freePort)();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    // The benchmarks measure the API, not the fair-use limit: one tenant sends far more than its default burst.
    // And the tests' and benchmarks' machine is shared: a function gets 2 minutes, not Lambda's 10 s (local/start.ts).
    env: { FAIR_USE_SECRET_BURST: '100000', FAIR_USE_PUBLISHABLE_BURST: '100000', LOCAL_FUNCTION_TIMEOUT_MS: '120000', ...process.env, ...opts.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local runtime not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('clientela is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      // local/start.ts says "port N ... is already in use" when it cannot bind.
      reject(new (/already in use/.test(out + err) ? PortTaken : Error)(`local runtime exited (${code}):\n${out}${err}`));
    });
  });
  const secretKey = /Secret key:\s+(sk_[A-Za-z0-9_-]+)/.exec(out)![1]!;
  const publishableKey = /Publishable key:\s+(pk_[A-Za-z0-9_-]+)/.exec(out)![1]!;
  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    publishableKey,
    outboxDir: join(dataDir, 'outbox'),
    async stop() {
      // An instance that already ended (it crashed) has no exit left to wait for.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        // npm start stops DynamoDB Local and s3rver on SIGINT; one that hangs there is killed rather than waited for.
        const hard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(hard);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A local instance bench/run.ts started for bench/api-latency.ts while the modules before it ran (its start,
 * Java's included, takes ~10–25 s on a busy machine), handed down as BENCH_LOCAL_URL and BENCH_LOCAL_SECRET_KEY.
 */
export const SHARED_LOCAL_ENV = { url: 'BENCH_LOCAL_URL', secretKey: 'BENCH_LOCAL_SECRET_KEY' } as const;

export function sharedLocalEnv(local: Pick<LocalInstance, 'url' | 'secretKey'>): Record<string, string> {
  return { [SHARED_LOCAL_ENV.url]: local.url, [SHARED_LOCAL_ENV.secretKey]: local.secretKey };
}

/** The instance handed down, if any (pure: reads only `env`); both variables or neither. */
export function sharedLocalFrom(env: NodeJS.ProcessEnv): Pick<LocalInstance, 'url' | 'secretKey'> | undefined {
  const url = env[SHARED_LOCAL_ENV.url]?.trim();
  const secretKey = env[SHARED_LOCAL_ENV.secretKey]?.trim();
  if (!url && !secretKey) return undefined;
  if (!url || !secretKey) throw new Error(`${SHARED_LOCAL_ENV.url} and ${SHARED_LOCAL_ENV.secretKey} go together: set both or neither`);
  return { url, secretKey };
}
