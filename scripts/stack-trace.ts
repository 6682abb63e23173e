import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { ALL_FUNCTIONS } from '../shared/routes.ts';
import { BUNDLE_FILE, FUNCTION_BUILD, bundleFunctions } from '../infra/constructs/bundling.ts';
import { REPO_ROOT } from '../infra/paths.ts';

/**
 * `npm run stack -- <FunctionName> [file]`: reads a stack logged by a deployed function (from the file, or
 * stdin) and prints it with each `index.mjs:line:column` mapped to the source file and line.
 *
 * Functions ship minified, without source maps and without kept names (infra/constructs/bundling.ts: each
 * costs every cold start), so a logged frame reads `at Ae (file:///var/task/index.mjs:1:52345)`. The bundle
 * is a pure function of the commit (sources + package-lock.json): run this on the deployed commit. It
 * rebuilds the function twice, as deployed and with a map beside it, and refuses to map if the two differ.
 */

export interface MappedStack {
  text: string;
  /** Frames in the bundle file found in the stack. */
  frames: number;
  /** Those mapped to a source position (the others point at bundle code with no source, or past its end). */
  mapped: number;
}

const entryOf = (name: string): string => {
  const all = ALL_FUNCTIONS;
  const found = all.find((f) => f.name === name);
  if (!found) throw new Error(`no function named ${name}; one of: ${all.map((f) => f.name).join(', ')}`);
  return found.entry;
};

/** The deployed bundle of `name` and its source map, built in a scratch folder (removed after `use`). */
export async function withBundleAndMap<T>(name: string, use: (code: string, map: TraceMap) => T): Promise<T> {
  const entry = entryOf(name);
  const dir = mkdtempSync(path.join(tmpdir(), 'clientela-stack-'));
  try {
    await bundleFunctions({ deployed: entry }, dir);
    await build({
      ...FUNCTION_BUILD,
      // 'external': the map is written beside the bundle and the bundle gets no comment pointing at it, so
      // its bytes are the deployed ones (checked below).
      sourcemap: 'external',
      entryPoints: [{ in: path.resolve(REPO_ROOT, entry), out: 'mapped/index' }],
      outdir: dir,
      outExtension: { '.js': '.mjs' },
    });
    const deployed = readFileSync(path.join(dir, 'deployed', BUNDLE_FILE), 'utf8');
    const code = readFileSync(path.join(dir, 'mapped', BUNDLE_FILE), 'utf8');
    if (code !== deployed) throw new Error(`the bundle built with a source map differs from the deployed one: cannot map ${name}'s positions`);
    const map = new TraceMap(readFileSync(path.join(dir, 'mapped', `${BUNDLE_FILE}.map`), 'utf8'));
    return use(code, map);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A frame in the deployed bundle (Lambda loads it from /var/task/index.mjs; the runtime's own frames,
 * /var/runtime/index.mjs, are left alone): `at Ae (…)`, `at async Ae (…)`, `at new Be (…)`,
 * `at Object.Ae [as handler] (…)`, or `at file:///var/task/index.mjs:L:C` with no function name.
 */
const FRAME = /(at\s+(?:async\s+)?(?:new\s+)?)(?:([^\s(]+(?:\s\[as [^\]]+\])?)\s+\()?(?:file:\/\/)?\/var\/task\/index\.mjs:(\d+):(\d+)\)?/g;

/**
 * `stack` with every bundle position replaced by its source position. The function's name is left as the
 * stack gives it: a map names the identifiers at a position (at a call, the callee), not the function
 * around it, and the source line says which function that is.
 */
export function mapStack(stack: string, map: TraceMap): MappedStack {
  let frames = 0;
  let mapped = 0;
  const text = stack.replace(FRAME, (whole, at: string, fn: string | undefined, line: string, column: string) => {
    frames++;
    // Stack columns are 1-based, source map columns 0-based.
    const pos = originalPositionFor(map, { line: Number(line), column: Number(column) - 1 });
    if (!pos.source) return whole;
    mapped++;
    const where = `${path.relative(REPO_ROOT, path.resolve(REPO_ROOT, pos.source))}:${pos.line}:${pos.column + 1}`;
    return fn ? `${at}${fn} (${where})` : `${at}${where}`;
  });
  return { text, frames, mapped };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(REPO_ROOT, 'scripts', 'stack-trace.ts')) {
  const [name, file] = process.argv.slice(2);
  if (!name) {
    console.error('usage: npm run stack -- <FunctionName> [file with the logged stack] (or the stack on stdin)');
    process.exit(2);
  }
  const stack = file ? readFileSync(file, 'utf8') : readFileSync(0, 'utf8');
  const { text, frames, mapped } = await withBundleAndMap(name, (_code, map) => mapStack(stack, map));
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  if (!frames) console.error('no frame of index.mjs (file:///var/task/index.mjs:LINE:COLUMN) was found in the input');
  else if (mapped < frames) console.error(`${frames - mapped} of ${frames} frames point at no source position of ${name}'s bundle: is this the deployed commit and function?`);
}
