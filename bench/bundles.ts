import { build, type Metafile } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALL_FUNCTIONS, ROUTES } from '../shared/routes.ts';
import { BUNDLE_FILE, FUNCTION_BUILD, FUNCTION_NODE_OPTIONS, bundleFunctions } from '../infra/constructs/bundling.ts';
import { REPO_ROOT } from '../infra/paths.ts';
import { row, type BenchOptions, type BenchRow } from './types.ts';
import { measurementMayStart } from './start-gate.ts';

/**
 * Lambda bundles, as deployed: every function (each ROUTES row, WORKER and INSIGHTS_WORKER) is bundled with
 * the options infra/constructs/function.ts deploys (FUNCTION_BUILD, in one esbuild run as `cdk synth` does).
 * That means without source maps: production ships none (FUNCTION_BUILD.sourcemap is false and NODE_OPTIONS
 * has no --enable-source-maps; why: infra/constructs/function.ts), so neither do the functions measured here
 * nor their baselines. Issue 11 asked for "maps on"; this measures what is deployed instead. For each:
 * its size (every file of its asset) and the time to load it in a fresh Node process (with the deployed
 * NODE_OPTIONS), each beside a baseline built in the same run with the same options: a bare bundle of the AWS
 * SDK clients the function uses (CLIENTS below), which, like the functions, creates them on first call.
 *
 * Load time is the CPU time (user + system) of the `import()`, not its wall time: on a shared 2-core machine
 * wall time mostly measures the neighbours, CPU time what loading costs (on Lambda, a vCPU fraction pays it).
 * The median of several runs, each function run next to its baseline's run so that both see the same load
 * (`--quick`: one run, each baseline loaded next to the first three functions that use it).
 */
type Client = 'dynamodb' | 's3' | 'sfn' | 'ses' | 'lambda' | 'kms';

/**
 * The AWS clients each function uses, written out by hand: the baseline it is compared with. A bundle holding
 * another client (or missing one) is reported in its row's target. Every function not listed uses DynamoDB only.
 */
const CLIENTS: Record<string, Client[]> = {
  Health: [],
  OpenApi: [],
  CreateImport: ['dynamodb', 's3'], // presigned POST
  GetImport: ['dynamodb', 's3'], // signed link to the error report
  GetExport: ['dynamodb', 's3'], // signed download link
  CreateExport: ['dynamodb', 'sfn'],
  // KMS: the functions that open a tenant's sealed secrets (privacy links, unsubscribe, the access export's
  // signed parts): shared/secrets, docs/secrets.md.
  CreateCustomer: ['dynamodb', 'kms'], // a consent confirmation link in the answer
  UpdateCustomer: ['dynamodb', 'kms'],
  MergeCustomer: ['dynamodb', 'kms'],
  ListHistory: ['dynamodb', 'kms'],
  ListConsents: ['dynamodb', 'kms'],
  ConfirmConsent: ['dynamodb', 'kms'],
  ConfirmConsentPage: ['dynamodb', 'kms'],
  CreateUnsubscribeLink: ['dynamodb', 'kms'],
  Unsubscribe: ['dynamodb', 'kms'],
  UnsubscribeOneClick: ['dynamodb', 'kms'],
  ExportCustomerData: ['dynamodb', 's3', 'kms'], // spills a large access export to the export bucket, signs its link
  // Rewrites import error reports; past its time, goes on redacting them in a fresh invocation of itself.
  EraseCustomer: ['dynamodb', 's3', 'kms', 'lambda'],
  EraseCustomerByEmail: ['dynamodb', 's3', 'kms', 'lambda'],
  IngestEvent: ['dynamodb', 'ses', 'kms'], // double opt-in mail
  ImportCsv: ['dynamodb', 's3', 'lambda', 'kms'], // reads the file, writes reports, continues itself
  ExportTask: ['dynamodb', 's3', 'kms'],
  Retention: ['dynamodb', 's3', 'kms', 'lambda'], // continues its own run in a fresh invocation
  RequestRecompute: ['dynamodb', 'sfn'], // starts the recompute workflow
  InsightsTask: ['dynamodb', 's3'], // scratch objects in the export bucket
  NightlyInsights: ['dynamodb', 'sfn'],
  EndStoppedJob: ['dynamodb', 's3'], // deletes a stopped export's partial file
};

const SDK: Record<Client, { pkg: string; lines: string[]; create: string }> = {
  dynamodb: {
    pkg: '@aws-sdk/client-dynamodb',
    lines: ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';"],
    create: 'DynamoDBDocumentClient.from(new DynamoDBClient({}))',
  },
  s3: { pkg: '@aws-sdk/client-s3', lines: ["import { S3Client } from '@aws-sdk/client-s3';"], create: 'new S3Client({})' },
  sfn: { pkg: '@aws-sdk/client-sfn', lines: ["import { SFNClient } from '@aws-sdk/client-sfn';"], create: 'new SFNClient({})' },
  ses: { pkg: '@aws-sdk/client-sesv2', lines: ["import { SESv2Client } from '@aws-sdk/client-sesv2';"], create: 'new SESv2Client({})' },
  lambda: { pkg: '@aws-sdk/client-lambda', lines: ["import { LambdaClient } from '@aws-sdk/client-lambda';"], create: 'new LambdaClient({})' },
  kms: { pkg: '@aws-sdk/client-kms', lines: ["import { KMSClient } from '@aws-sdk/client-kms';"], create: 'new KMSClient({})' },
};

const ROUTE_NAMES = new Set<string>(ROUTES.map((r) => r.name));
const WORKER_NAMES = new Set<string>(ALL_FUNCTIONS.filter((f) => !ROUTE_NAMES.has(f.name)).map((w) => w.name));

/** Targets: API functions ≤ 1.5× their clients, background workers ≤ 2×, functions without AWS far below bare DynamoDB. */
function target(name: string, clients: Client[]): string {
  if (!clients.length) return 'ratio ≤ 0.5 (no AWS SDK)';
  return WORKER_NAMES.has(name) ? 'ratio ≤ 2' : 'ratio ≤ 1.5';
}

function baselineSource(clients: Client[]): string {
  const used = clients.length ? clients : (['dynamodb'] as Client[]);
  return [...used.flatMap((c) => SDK[c].lines), `export const handler = async () => [${used.map((c) => SDK[c].create).join(', ')}];`].join('\n');
}

function clientsIn(metafile: Metafile, output: string): Client[] {
  const inputs = Object.keys(metafile.outputs[output]!.inputs);
  return (Object.keys(SDK) as Client[]).filter((c) => inputs.some((i) => i.includes(`node_modules/${SDK[c].pkg}/`)));
}

const dirBytes = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((n, d) => n + (d.isDirectory() ? dirBytes(join(dir, d.name)) : statSync(join(dir, d.name)).size), 0);

/** CPU milliseconds of `import()` of a bundle in a fresh process started as Lambda starts it (NODE_OPTIONS). */
function loadCpuMs(file: string): number {
  const script = `const c=process.cpuUsage(); await import(${JSON.stringify(pathToFileURL(file).href)}); const d=process.cpuUsage(c); process.stdout.write(String((d.user+d.system)/1000));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: FUNCTION_NODE_OPTIONS } }).toString());
}

/** `--quick`: loads of each distinct baseline bundle (see run). */
const QUICK_BASELINE_LOADS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run({ quick }: BenchOptions): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'clientela-bundles-'));
  const runs = quick ? 1 : 7;
  const functions = ALL_FUNCTIONS;
  try {
    const started = performance.now();
    const metafile = await bundleFunctions(Object.fromEntries(functions.map((f) => [f.name, f.entry])), dir);

    const baselines = new Map<string, { file: string; bytes: number }>();
    const measured = functions.map(({ name }) => {
      const clients = CLIENTS[name] ?? ['dynamodb'];
      const found = clientsIn(metafile, outputOf(metafile, name));
      const key = baselineSource(clients);
      return { name, clients, found, key, file: join(dir, name, BUNDLE_FILE), bytes: dirBytes(join(dir, name)), cpu: [] as number[], baseCpu: [] as number[] };
    });
    // Every baseline in one esbuild run, as the functions are (the SDK parsed once, not once per baseline): each
    // source is written to a file of its own outside the repository, its packages resolved from the repository's.
    const sources = join(dir, 'baseline-sources');
    mkdirSync(sources);
    const keys = [...new Set(measured.map((m) => m.key))];
    keys.forEach((key, i) => writeFileSync(join(sources, `baseline-${i}.ts`), key));
    await build({
      ...FUNCTION_BUILD,
      entryPoints: keys.map((_, i) => ({ in: join(sources, `baseline-${i}.ts`), out: `baseline-${i}/index` })),
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      nodePaths: [join(REPO_ROOT, 'node_modules')],
    });
    keys.forEach((key, i) => {
      const file = join(dir, `baseline-${i}`, BUNDLE_FILE);
      baselines.set(key, { file, bytes: dirBytes(join(file, '..')) });
    });

    console.error(`bench bundles: ${functions.length} functions and ${baselines.size} baselines bundled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // Loads are measured only once bench/run.ts's emulator and local runtime starts are over.
    const held = performance.now();
    await measurementMayStart();
    const built = performance.now();
    if (built - held > 100) console.error(`bench bundles: waited ${((built - held) / 1000).toFixed(1)} s for the run's emulators to start`);
    // The full run loads each baseline next to every function that uses it, `runs` times. `--quick` (one run)
    // loads a baseline next to the first QUICK_BASELINE_LOADS functions that use it only, and compares every
    // function with the median of those: a handful of baselines serve 57 functions, so this halves the
    // processes started without leaving any function's figure to a single baseline load.
    const baseLoads = new Map<string, number[]>();
    for (let i = 0; i < runs; i++) {
      for (const m of measured) {
        m.cpu.push(loadCpuMs(m.file));
        const loads = baseLoads.get(m.key) ?? [];
        baseLoads.set(m.key, loads);
        if (!quick || loads.length < QUICK_BASELINE_LOADS) loads.push(loadCpuMs(baselines.get(m.key)!.file));
        if (!quick) m.baseCpu.push(loads.at(-1)!);
      }
    }
    if (quick) for (const m of measured) m.baseCpu.push(...baseLoads.get(m.key)!);
    const loads = measured.reduce((n, m) => n + m.cpu.length, 0) + [...baseLoads.values()].reduce((n, l) => n + l.length, 0);
    console.error(`bench bundles: ${loads} loads, each in a fresh process, in ${((performance.now() - built) / 1000).toFixed(1)} s`);

    return measured.flatMap((m) => {
      const base = baselines.get(m.key)!;
      const extra = m.found.filter((c) => !m.clients.includes(c));
      const missing = m.clients.filter((c) => !m.found.includes(c));
      const note = extra.length || missing.length ? ` (bundle ${[extra.length ? `also holds ${extra.join(', ')}` : '', missing.length ? `lacks ${missing.join(', ')}` : ''].filter(Boolean).join(', ')})` : '';
      const t = target(m.name, m.clients) + note;
      return [row(`bundle size: ${m.name}`, m.bytes / 1024, 'KiB', base.bytes / 1024, t), row(`bundle load: ${m.name}`, median(m.cpu), 'ms CPU', median(m.baseCpu), t)];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The metafile key of a function's bundle (paths in the metafile are relative to the working directory). */
function outputOf(metafile: Metafile, name: string): string {
  const suffix = `/${name}/${BUNDLE_FILE}`;
  const key = Object.keys(metafile.outputs).find((k) => k.endsWith(suffix));
  if (!key) throw new Error(`no bundle for ${name} in the metafile`);
  return key;
}
