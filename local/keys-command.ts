/**
 * The `npm run keys` command the start banner prints: one that reaches this very instance. `npm run keys`
 * finds a running `npm start` through DATA_DIR/runtime.json, so when the instance runs on another DATA_DIR
 * than the default (`.data`), the command must say so.
 */
import { resolve } from 'node:path';

/** `npm run keys -- ARGS`, prefixed with `DATA_DIR=...` when dataDir is not the default `.data` of cwd. */
export function keysCommand(dataDir: string, args: string, cwd: string = process.cwd()): string {
  const command = `npm run keys -- ${args}`;
  return resolve(cwd, dataDir) === resolve(cwd, '.data') ? command : `DATA_DIR=${shellWord(resolve(cwd, dataDir))} ${command}`;
}

/** A path as one POSIX shell word: as is when it holds only safe characters, else in single quotes. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_/.,:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
