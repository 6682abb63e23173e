/**
 * `DATA_DIR/runtime.json`: how `npm run keys` (and tests) find a running `npm start` and its emulators.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The names `npm start` gives the table and buckets. */
export const LOCAL_RESOURCES = {
  tableName: 'clientela',
  importBucket: 'clientela-imports',
  exportBucket: 'clientela-exports',
} as const;

export interface RuntimeInfo {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  region: string;
  dynamodbEndpoint: string;
  dynamodbPid: number;
  s3Endpoint: string;
  tableName: string;
  importBucket: string;
  exportBucket: string;
  startedAt: string;
}

export const runtimeFile = (dataDir: string) => join(dataDir, 'runtime.json');

export function readRuntime(dataDir: string): RuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(runtimeFile(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process (Linux), or undefined when it is gone or unreadable. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}
