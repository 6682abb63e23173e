import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

/**
 * Peak memory of one run in a fresh process, so a benchmark's own data and earlier runs do not count: the
 * module at `moduleUrl` is started again with `--rss-child ...args`, does its run, and ends with
 * `reportPeakRss()`. Megabytes. `nodeArgs`: flags for that node process (e.g. lambdaNodeFlags), `env`
 * added to this process's environment (e.g. the deployed NODE_OPTIONS).
 */
export function peakRssInChild(moduleUrl: string, args: string[], nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<number> {
  return figureInChild(moduleUrl, '--rss-child', 'rss', args, nodeArgs, env).then((kb) => kb / 1024);
}

/** The child's end of peakRssInChild: prints its peak resident set size (KB) and exits. */
export function reportPeakRss(): never {
  console.log(`@@rss ${process.resourceUsage().maxRSS}`);
  process.exit(0);
}

/**
 * The live heap of one run in a fresh process (see liveHeapDuring): the module at `moduleUrl` is
 * started again with `--live-child ...args` and ends with `reportLiveHeap(mb)`. Megabytes.
 */
export function liveHeapInChild(moduleUrl: string, args: string[], nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<number> {
  return figureInChild(moduleUrl, '--live-child', 'live', args, nodeArgs, env);
}

/** The child's end of liveHeapInChild: prints the figure (MB) and exits. */
export function reportLiveHeap(mb: number): never {
  console.log(`@@live ${mb}`);
  process.exit(0);
}

function figureInChild(moduleUrl: string, mode: string, marker: string, args: string[], nodeArgs: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(moduleUrl), mode, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const m = new RegExp(`@@${marker} (\\d+(?:\\.\\d+)?)`).exec(out);
      if (code === 0 && m) resolve(Number(m[1]));
      else reject(new Error(`${mode} child exited ${code}: ${out.slice(-500)}`));
    });
  });
}

/**
 * The flags Lambda's Node.js runtime starts `node` with for a function of `memoryMb` (its bootstrap script,
 * /var/runtime/bootstrap in the public Lambda Node.js images): a tenth of the memory for V8's young
 * generation (half of that the semi-space), the rest for the old generation, and `--expose-gc`. Without
 * them node sizes its heap from the machine's memory (a 4 GB heap limit and 16 MB semi-spaces here), not
 * the function's; NODE_OPTIONS (none for clientela's functions) comes on top.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return ['--expose-gc', '--max-http-header-size=81920', `--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/**
 * V8's own collector: `gc` where node runs with --expose-gc (as Lambda does), otherwise exposed here. Only a
 * benchmark's child process asks for it.
 */
function fullGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * What a run really holds, as opposed to what the process's RSS shows: peak RSS also counts garbage V8 has
 * not collected yet (it collects lazily, and grows its young generation while a run goes on), which makes a
 * longer run look bigger whether or not it keeps anything. Here a full collection runs every `everyMs` and
 * whenever the run calls `sample`, and the V8 heap in use is read right after it: the largest reading, in MB.
 * Data kept per customer or per page shows as growth; garbage does not. External memory is left out: on a
 * busy machine single readings right after a collection showed several MB more of it for a moment (not live
 * ArrayBuffers), so the largest of many readings grew with the number of readings (the run's length) rather
 * than with what is kept; the export's bounded use of buffers is tested instead
 * (test/unit/export-backpressure.test.ts). Collections slow the run down: measure speed and RSS in other runs.
 */
export async function liveHeapDuring<T>(run: (sample: () => void) => Promise<T>, everyMs = 100): Promise<{ result: T; liveMb: number }> {
  const gc = fullGc();
  let peak = 0;
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed / 1024 ** 2);
  };
  const timer = setInterval(sample, everyMs);
  try {
    const result = await run(sample);
    sample();
    return { result, liveMb: peak };
  } finally {
    clearInterval(timer);
  }
}
