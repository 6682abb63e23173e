import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { BenchOptions, BenchRow } from './types.ts';

/**
 * `npm run bench [-- --quick]`: runs every benchmark module, prints one table, writes bench/results.json.
 * Each module exports `run(options): Promise<BenchRow[]>` and measures its own baseline in the same run.
 */
const MODULES = ['./bundles.ts', './api-latency.ts', './events.ts', './import.ts', './export.ts'];

const options: BenchOptions = { quick: process.argv.includes('--quick') };
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const rows: BenchRow[] = [];
let failed = false;

for (const path of MODULES) {
  if (only && !path.includes(only)) continue;
  if (!existsSync(new URL(path, import.meta.url))) continue;
  const mod = (await import(path)) as { run?: (o: BenchOptions) => Promise<BenchRow[]> };
  if (typeof mod.run !== 'function') continue;
  const started = Date.now();
  try {
    rows.push(...(await mod.run(options)));
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

mkdirSync(new URL('.', import.meta.url), { recursive: true });
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(rows, null, 2)}\n`);
console.log('\nwritten: bench/results.json');
process.exit(failed ? 1 : 0);
