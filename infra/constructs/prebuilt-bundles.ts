import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ILocalBundling } from 'aws-cdk-lib';
import { REPO_ROOT } from '../paths.ts';

/**
 * Bundles for `cdk synth`: the first time CDK asks for one function's bundle, every handler module under
 * functions/ is bundled in one esbuild run (./bundling.ts); later requests copy from that run. NodejsFunction
 * ran one esbuild process per function, one after another, each parsing the whole AWS SDK again: 44 runs
 * took most of a synth. The bundles live in a temporary directory removed when the process exits.
 */
let dir: string | undefined;
const built = new Set<string>();

/** Output directory of an entry (relative to the repository root): its path without `.ts`. */
const bundleName = (entry: string) => path.relative(REPO_ROOT, path.resolve(REPO_ROOT, entry)).replace(/\.[cm]?[jt]s$/, '');

function handlerModules(folder = path.join(REPO_ROOT, 'functions')): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(folder, d.name);
    if (d.isDirectory()) return handlerModules(full);
    return d.name.endsWith('.handler.ts') ? [path.relative(REPO_ROOT, full)] : [];
  });
}

function bundle(entries: string[]): void {
  if (!dir) {
    dir = mkdtempSync(path.join(tmpdir(), 'clientela-bundles-'));
    const created = dir;
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
  }
  const named = Object.fromEntries(entries.map((e) => [bundleName(e), e]));
  // The CDK app runs under tsx; so does the bundler (a child process: CDK's tryBundle is synchronous).
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'infra', 'constructs', 'bundling.ts'), dir, JSON.stringify(named)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`clientela: bundling ${entries.length} function(s) failed (${run.error?.message ?? `exit ${run.status}`})`);
  for (const e of entries) built.add(bundleName(e));
}

/** CDK's local bundling of one function: copies its prebuilt `index.mjs` into the asset directory. */
class PrebuiltBundle implements ILocalBundling {
  /** Part of the asset's cache key: without it every function would share the first one's bundle. */
  constructor(readonly entry: string) {}

  tryBundle(outputDir: string): boolean {
    const name = bundleName(this.entry);
    if (!built.size) bundle([...new Set([...handlerModules(), this.entry])]);
    else if (!built.has(name)) bundle([this.entry]);
    cpSync(path.join(dir!, name), outputDir, { recursive: true });
    return true;
  }
}

export const prebuiltBundle = (entry: string): ILocalBundling => new PrebuiltBundle(entry);
