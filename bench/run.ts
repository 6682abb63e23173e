import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamo, type DynamoLocal } from '../local/emulators.ts';
import { sharedDynamoEnv } from './emulators.ts';
import { durationSummary } from './durations.ts';
import type { BenchRow } from './types.ts';

/**
 * `npm run bench [-- --quick] [-- --only=NAME]`: runs every benchmark module, each in its own process
 * (handlers read configuration and create clients once per process), prints one table and writes
 * bench/results.json. Each module exports `run(options): Promise<BenchRow[]>` and measures its own
 * baseline in the same run.
 *
 * The modules that use DynamoDB Local share one (bench/emulators.ts), started here while the first modules,
 * which need none, run; `--own-emulators` gives each module its own instead, as before. Each module's
 * duration is printed as it ends and again, with the emulator's start, in a summary after the table.
 */
const MODULES = ['./bundles.ts', './api-latency.ts', './events.ts', './import.ts', './export.ts', './list-reads.ts', './insights-algorithms.ts', './insights.ts', './fair-use.ts'];
/** The modules that read and write DynamoDB Local themselves (api-latency runs `npm start`, which starts its own). */
const USES_DYNAMODB = new Set(['./events.ts', './import.ts', './export.ts', './list-reads.ts', './insights.ts', './fair-use.ts']);
const MARKER = '@@bench-rows@@';

const quick = process.argv.includes('--quick');
const ownEmulators = process.argv.includes('--own-emulators');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const rows: BenchRow[] = [];
let failed = false;
const selected = MODULES.filter((path) => (!only || path.includes(only)) && existsSync(new URL(path, import.meta.url)));
const durations: { step: string; seconds: number }[] = [];
const runStarted = Date.now();

/** The shared DynamoDB Local, started now (its start overlaps the modules that need none) and awaited by the first that does. */
const sharedDynamo: Promise<DynamoLocal> | undefined =
  !ownEmulators && selected.some((path) => USES_DYNAMODB.has(path))
    ? (async () => {
        const started = Date.now();
        const dynamo = await startDynamo();
        durations.push({ step: 'shared DynamoDB Local start (overlapping the modules before it)', seconds: (Date.now() - started) / 1000 });
        return dynamo;
      })()
    : undefined;
// Reported when a module needs it; until then a failed start must not end the process unhandled.
sharedDynamo?.catch(() => undefined);

function runModule(path: string, emulatorEnv: Record<string, string>): Promise<BenchRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./run-one.ts', import.meta.url)), path, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        // Tenant secrets are sealed with a master key file locally (shared/secrets/); one for the benchmarks' own tables.
        SECRETS_MASTER_KEY_FILE: join(tmpdir(), `clientela-bench-${process.getuid?.() ?? 'user'}.key`),
        // The benchmarks measure one tenant at full speed, far past its default fair-use burst (bench/fair-use.ts measures the limit).
        FAIR_USE_SECRET_BURST: '100000',
        FAIR_USE_PUBLISHABLE_BURST: '100000',
        ...process.env,
        ...emulatorEnv,
        LOG_LEVEL: 'ERROR',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    });
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
    const env = sharedDynamo && USES_DYNAMODB.has(path) ? sharedDynamoEnv(await sharedDynamo) : {};
    rows.push(...(await runModule(fileURLToPath(url), env)));
    console.error(`bench: ${path} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed = true;
    console.error(`bench: ${path} failed:`, error);
  }
  durations.push({ step: path, seconds: (Date.now() - started) / 1000 });
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
