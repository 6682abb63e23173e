import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamo, type DynamoLocal } from '../local/emulators.ts';
import { sharedDynamoEnv } from './emulators.ts';
import { durationSummary } from './durations.ts';
import { sharedLocalEnv, startLocal, type LocalInstance } from './local-instance.ts';
import { START_GATE_ENV } from './start-gate.ts';
import type { BenchRow } from './types.ts';

/**
 * `npm run bench [-- --quick] [-- --only=NAME] [-- --own-emulators]`: runs every benchmark module, each in its
 * own process (handlers read configuration and create clients once per process), prints one table and writes
 * bench/results.json. Each module exports `run(options): Promise<BenchRow[]>` and measures its own
 * baseline in the same run.
 *
 * What the modules run on is started once, here, while the first module prepares (bench/start-gate.ts: it
 * measures only once these starts are over): one DynamoDB Local that every module using DynamoDB shares, each
 * with its own table, dropped when it ends (bench/emulators.ts), and the local runtime (`npm start`) that
 * bench/api-latency.ts measures (bench/local-instance.ts), stopped once that module is done.
 * `--own-emulators`: each module starts its own, as a module run on its own does. Each module's duration is
 * printed as it ends and again, with the starts, in a summary after the table.
 */
const MODULES = ['./bundles.ts', './api-latency.ts', './events.ts', './import.ts', './export.ts', './list-reads.ts', './insights-algorithms.ts', './insights.ts', './fair-use.ts'];
/** The modules that read and write DynamoDB Local themselves (api-latency's `npm start` has its own). */
const USES_DYNAMODB = new Set(['./events.ts', './import.ts', './export.ts', './list-reads.ts', './insights.ts', './fair-use.ts']);
const USES_LOCAL_RUNTIME = new Set(['./api-latency.ts']);
const MARKER = '@@bench-rows@@';

const quick = process.argv.includes('--quick');
const ownEmulators = process.argv.includes('--own-emulators');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const rows: BenchRow[] = [];
let failed = false;
const selected = MODULES.filter((path) => (!only || path.includes(only)) && existsSync(new URL(path, import.meta.url)));
const durations: { step: string; seconds: number }[] = [];
const runStarted = Date.now();

/** What every module's process (and the local runtime) gets on top of this process's environment. */
const BENCH_ENV = {
  // Tenant secrets are sealed with a master key file locally (shared/secrets/); one for the benchmarks' own tables.
  SECRETS_MASTER_KEY_FILE: join(tmpdir(), `clientela-bench-${process.getuid?.() ?? 'user'}.key`),
  // The benchmarks measure one tenant at full speed, far past its default fair-use burst (bench/fair-use.ts measures the limit).
  FAIR_USE_SECRET_BURST: '100000',
  FAIR_USE_PUBLISHABLE_BURST: '100000',
};
const moduleEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  ...BENCH_ENV,
  ...process.env,
  ...extra,
  [START_GATE_ENV]: '1',
  LOG_LEVEL: 'ERROR',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
});

/** Starts `start()` now, timing it into the summary; a failure is reported by the module that needs it. */
function startEarly<T>(step: string, wanted: boolean, start: () => Promise<T>): Promise<T> | undefined {
  if (!wanted) return undefined;
  const started = Date.now();
  const promise = start().then((value) => {
    durations.push({ step: `${step} (while the first module prepared)`, seconds: (Date.now() - started) / 1000 });
    return value;
  });
  promise.catch(() => undefined);
  return promise;
}
const sharedDynamo: Promise<DynamoLocal> | undefined = startEarly('start of the shared DynamoDB Local', !ownEmulators && selected.some((p) => USES_DYNAMODB.has(p)), () => startDynamo());
const sharedLocal: Promise<LocalInstance> | undefined = startEarly('start of the local runtime for api-latency', !ownEmulators && selected.some((p) => USES_LOCAL_RUNTIME.has(p)), () =>
  startLocal(undefined, { keepWorkflowCache: true, env: moduleEnv({}) }),
);
/** Settled once both starts are over, however they ended: the gate a module's measurements wait for. */
const startsOver = Promise.allSettled([sharedDynamo, sharedLocal]);

function runModule(path: string, extraEnv: Record<string, string>): Promise<BenchRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./run-one.ts', import.meta.url)), path, ...(quick ? ['--quick'] : [])], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: moduleEnv(extraEnv),
    });
    // The start gate (bench/start-gate.ts): one line once the starts are over. A module that never reads it may be gone by then.
    child.stdin.on('error', () => undefined);
    void startsOver.then(() => child.stdin.end('go\n'));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARKER));
      if (code === 0 && line) resolve(JSON.parse(line.slice(MARKER.length)) as BenchRow[]);
      else reject(new Error(`${path} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

for (const path of selected) {
  const url = new URL(path, import.meta.url);
  const started = Date.now();
  try {
    const env = {
      ...(sharedDynamo && USES_DYNAMODB.has(path) ? sharedDynamoEnv(await sharedDynamo) : {}),
      ...(sharedLocal && USES_LOCAL_RUNTIME.has(path) ? sharedLocalEnv(await sharedLocal) : {}),
    };
    rows.push(...(await runModule(fileURLToPath(url), env)));
    console.error(`bench: ${path} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed = true;
    console.error(`bench: ${path} failed:`, error);
  }
  durations.push({ step: path, seconds: (Date.now() - started) / 1000 });
  // The local runtime serves api-latency only: stopped as soon as it is done, so it holds no memory or Java after.
  if (sharedLocal && USES_LOCAL_RUNTIME.has(path)) await sharedLocal.then((l) => l.stop(), () => undefined);
}
if (sharedDynamo) await sharedDynamo.then((d) => d.stop(), () => undefined);

const fmt = (n: number | null) => (n === null ? '' : String(n));
const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'target'];
const table = [header, ...rows.map((r) => [r.name, fmt(r.value), r.unit, fmt(r.baseline), fmt(r.ratio), r.target ?? ''])];
const widths = header.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
for (const line of table) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));

writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(rows, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
console.error(`\n${durationSummary(durations, (Date.now() - runStarted) / 1000)}`);
process.exit(failed ? 1 : 0);
