import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTES, WORKERS } from '../shared/routes.ts';
import { row, type BenchOptions, type BenchRow } from './types.ts';

/**
 * Lambda bundles: size and the time to load each in a fresh Node process (the cold-start import cost),
 * beside a baseline bundle that only creates the AWS clients the function uses. Bundled with the
 * settings of infra/constructs/function.ts (ESM, node22, minified, SDK bundled).
 */
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

async function bundle(entry: string | { contents: string }, outfile: string) {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { contents: entry.contents, resolveDir: process.cwd(), loader: 'ts' } }),
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    minify: true,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile!.inputs);
  return { bytes: statSync(outfile).size, usesS3: inputs.some((i) => i.includes('@aws-sdk/client-s3/')), usesSfn: inputs.some((i) => i.includes('@aws-sdk/client-sfn/')), usesDynamo: inputs.some((i) => i.includes('@aws-sdk/client-dynamodb/')) };
}

function baselineSource(uses: { usesS3: boolean; usesSfn: boolean; usesDynamo: boolean }): string {
  const lines: string[] = [];
  if (uses.usesDynamo) lines.push("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';", "export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-south-1' }));");
  if (uses.usesS3) lines.push("import { S3Client } from '@aws-sdk/client-s3';", "export const s3 = new S3Client({ region: 'eu-south-1' });");
  if (uses.usesSfn) lines.push("import { SFNClient } from '@aws-sdk/client-sfn';", "export const sfn = new SFNClient({ region: 'eu-south-1' });");
  lines.push('export const handler = async () => ({ statusCode: 200 });');
  return lines.join('\n');
}

/** Median wall time of `import()` of a bundle in a fresh process, over `runs` processes. */
function loadMs(file: string, runs: number): number {
  const script = `const t=performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now()-t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } }).toString();
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function run({ quick }: BenchOptions): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'clientela-bundles-'));
  const rows: BenchRow[] = [];
  const runs = quick ? 3 : 7;
  const entries = [...ROUTES.map((r) => ({ name: r.name, entry: r.entry })), ...Object.values(WORKERS)];
  const seen = new Set<string>();
  try {
    const baselines = new Map<string, { bytes: number; ms: number }>();
    for (const { name, entry } of entries) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      const file = join(dir, `${name}.mjs`);
      const info = await bundle(entry, file);
      const key = `${info.usesDynamo}-${info.usesS3}-${info.usesSfn}`;
      if (!baselines.has(key)) {
        const baseFile = join(dir, `baseline-${key}.mjs`);
        const base = await bundle({ contents: baselineSource(info) }, baseFile);
        baselines.set(key, { bytes: base.bytes, ms: loadMs(baseFile, runs) });
      }
      const base = baselines.get(key)!;
      rows.push(row(`bundle size: ${name}`, info.bytes / 1024, 'KiB', base.bytes / 1024, null));
      rows.push(row(`bundle load: ${name}`, loadMs(file, runs), 'ms', base.ms, 'ratio ≤ 1.5'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
