import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (the directory holding package.json, package-lock.json and cdk.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A path relative to the repository root (as written in shared/routes.ts) made absolute. */
export function fromRoot(relative: string): string {
  return path.join(REPO_ROOT, relative);
}
