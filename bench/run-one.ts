import type { BenchOptions, BenchRow } from './types.ts';

/**
 * Runs one benchmark module in this (fresh) process and prints its rows as one JSON line after a marker.
 * Each module gets its own process because handlers read configuration and create AWS clients once.
 */
const MARKER = '@@bench-rows@@';

const [path] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const options: BenchOptions = { quick: process.argv.includes('--quick') };
const mod = (await import(path!)) as { run: (o: BenchOptions) => Promise<BenchRow[]> };
const rows = await mod.run(options);
process.stdout.write(`\n${MARKER}${JSON.stringify(rows)}\n`);
process.exit(0);
