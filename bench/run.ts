import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './types.ts';

/**
 * `npm run bench [-- --quick] [-- --only=NAME]`: runs every benchmark module, each in its own process
 * (handlers read configuration and create clients once per process), prints one table and writes
 * bench/results.json. Each module exports `run(options): Promise<BenchRow[]>` and measures its own
 * baseline in the same run.
 */
const MODULES = ['./bundles.ts', './api-latency.ts', './events.ts', './import.ts', './export.ts', './list-reads.ts', './insights-algorithms.ts', './insights.ts', './fair-use.ts'];
const MARKER = '@@bench-rows@@';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const rows: BenchRow[] = [];
let failed = false;

function runModule(path: string): Promise<BenchRow[]> {
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

for (const path of MODULES) {
  if (only && !path.includes(only)) continue;
  const url = new URL(path, import.meta.url);
  if (!existsSync(url)) continue;
  const started = Date.now();
  try {
    rows.push(...(await runModule(fileURLToPath(url))));
    console.error(`bench: ${path} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed = true;
    console.error(`bench: ${path} failed:`, error);
  }
}

const fmt = (n: number | null) => (n === null ? '' : String(n));
const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'target'];
const table = [header, ...rows.map((r) => [r.name, fmt(r.value), r.unit, fmt(r.baseline), fmt(r.ratio), r.target ?? ''])];
const widths = header.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
for (const line of table) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));

writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(rows, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
process.exit(failed ? 1 : 0);
