import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Peak memory of one run in a fresh process, so a benchmark's own data and earlier runs do not count: the
 * module at `moduleUrl` is started again with `--rss-child ...args`, does its run, and ends with
 * `reportPeakRss()`. Megabytes.
 */
export function peakRssInChild(moduleUrl: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(moduleUrl), '--rss-child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const m = /@@rss (\d+)/.exec(out);
      if (code === 0 && m) resolve(Number(m[1]) / 1024);
      else reject(new Error(`rss child exited ${code}: ${out.slice(-500)}`));
    });
  });
}

/** The child's end of peakRssInChild: prints its peak resident set size (KB) and exits. */
export function reportPeakRss(): never {
  console.log(`@@rss ${process.resourceUsage().maxRSS}`);
  process.exit(0);
}
