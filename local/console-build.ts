/**
 * `npm start` serves the admin console from dist/console. A fresh clone has no build, and a checkout
 * with newer console sources has an old one: either way it is built here (Vite, the same as
 * `npm run build`) before the server listens, so `npm ci && npm start` is all it takes.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
export const CONSOLE_SOURCE = join(ROOT, 'console');
export const CONSOLE_DIST = join(ROOT, 'dist', 'console');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/console is missing or older than a file under console/. */
export function consoleBuildIsStale(): boolean {
  const index = join(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return true;
  return newestSource(CONSOLE_SOURCE) > statSync(index).mtimeMs;
}

/**
 * Builds the console when its build is missing or stale; returns the folder to serve, or undefined
 * (with the reason logged) when it cannot be built: the API runs without it.
 */
export async function ensureConsoleBuilt(log: (message: string) => void = console.warn): Promise<string | undefined> {
  if (!existsSync(CONSOLE_SOURCE)) return existsSync(CONSOLE_DIST) ? CONSOLE_DIST : undefined;
  if (!consoleBuildIsStale()) return CONSOLE_DIST;
  // Built aside, then moved into place: two instances starting at once never serve a half-written folder.
  const aside = `${CONSOLE_DIST}.build-${process.pid}`;
  try {
    const { build } = await import('vite');
    await build({ configFile: join(CONSOLE_SOURCE, 'vite.config.ts'), logLevel: 'error', build: { outDir: aside, emptyOutDir: true } });
    if (consoleBuildIsStale()) {
      rmSync(CONSOLE_DIST, { recursive: true, force: true });
      renameSync(aside, CONSOLE_DIST);
    }
    return CONSOLE_DIST;
  } catch (error) {
    log(`clientela: the admin console could not be built (npm run build shows why); the API runs without it: ${error instanceof Error ? error.message : String(error)}`);
    return existsSync(join(CONSOLE_DIST, 'index.html')) ? CONSOLE_DIST : undefined;
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
}
