/**
 * The Chromium the browser end-to-end tests drive (playwright-core, which downloads no browser): `CHROMIUM_PATH`
 * when set, else Debian's `/usr/bin/chromium` (`apt-get install -y chromium`). Without one, those files skip
 * with a warning that says so; a `CHROMIUM_PATH` that names no file is an error, not a silent skip.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The browser executable, and whether it is there: from `env.CHROMIUM_PATH`, else the Debian package's. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): { path: string; found: boolean } {
  const given = env.CHROMIUM_PATH?.trim();
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH=${given}: no such file. Point it at a Chromium or Chrome executable, or unset it to use ${DEFAULT_CHROMIUM}.`);
    return { path: given, found: true };
  }
  return { path: DEFAULT_CHROMIUM, found: existsSync(DEFAULT_CHROMIUM) };
}

const chromium = findChromium();
export const CHROMIUM = chromium.path;
export const hasChromium = chromium.found;

/** The line a browser test file prints when it skips: which file, why, and how to run it. */
export function skippedWithoutChromium(fileUrl: string): string {
  const file = relative(process.cwd(), fileURLToPath(fileUrl));
  return `${file} SKIPPED: no Chromium at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable.`;
}

/** Warns, visibly, when the browser tests of this file will skip. */
export function warnIfNoChromium(fileUrl: string): void {
  if (!hasChromium) console.warn(skippedWithoutChromium(fileUrl));
}
