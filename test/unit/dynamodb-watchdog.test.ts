import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until, WAIT_TIMEOUT_MS } from '../support/timeouts.ts';

/**
 * local/dynamodb-watchdog.sh, which runs DynamoDB Local's Java so that it never outlives the process that
 * started it: here with a stand-in `java` on PATH (a shell that notes its pid and sleeps), no Java needed.
 */
const WATCHDOG = resolve(import.meta.dirname, '../../local/dynamodb-watchdog.sh');
const dir = mkdtempSync(join(tmpdir(), 'clientela-watchdog-'));
// The stand-in sleeps for an hour, so a Java the script failed to stop shows as a script that does not end
// (each wait below is bounded), not as one that ends late; any such survivor is ended here.
writeFileSync(join(dir, 'java'), '#!/bin/sh\necho $$ >> "$MARK"\nexec sleep 3600\n');
chmodSync(join(dir, 'java'), 0o755);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
afterAll(() => {
  for (const mark of ['stdin.pids', 'term.pids']) for (const pid of started(join(dir, mark))) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const started = (mark: string) => (existsSync(mark) ? readFileSync(mark, 'utf8').split('\n').filter(Boolean).map(Number) : []);

/** Processes whose command line is the script's with this file's arguments (pgrep, as test/e2e/start.test.ts looks). */
function copies(): string[] {
  try {
    return execFileSync('pgrep', ['-f', `dynamodb-watchdog.sh -jar DynamoDBLocal.jar -dbPath ${dir}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function watchdog(mark: string) {
  const child = spawn(WATCHDOG, ['-jar', 'DynamoDBLocal.jar', '-dbPath', dir], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, MARK: mark }, stdio: ['pipe', 'ignore', 'ignore'] });
  const ended = new Promise<void>((ok) => child.on('exit', () => ok()));
  // Bounded, with a message that says which start it was: the script should end within moments of Java.
  const exited = (what: string) =>
    Promise.race([ended, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`the watchdog was still running ${WAIT_TIMEOUT_MS} ms after ${what}: it is waiting for a Java it did not stop`)), WAIT_TIMEOUT_MS).unref())]);
  return { child, exited };
}

describe('the DynamoDB Local watchdog', () => {
  it('stops Java when the process that started it goes (its stdin closes)', async () => {
    const mark = join(dir, 'stdin.pids');
    const { child, exited } = watchdog(mark);
    const [java] = await until(async () => (started(mark).length ? started(mark) : undefined));
    expect(alive(java!)).toBe(true);
    child.stdin!.end();
    await exited('its stdin closed');
    await until(async () => (alive(java!) ? undefined : true));
    expect(copies()).toEqual([]);
  });

  it('leaves no Java behind when SIGTERM comes at any moment of its start (the trap is set before Java is)', async () => {
    const mark = join(dir, 'term.pids');
    // Signals at 0–9 ms after the spawn: some before the script runs, some while Java starts, some after.
    for (let i = 0; i < 40; i++) {
      const { child, exited } = watchdog(mark);
      await new Promise((r) => setTimeout(r, i % 10));
      child.kill('SIGTERM');
      await exited(`SIGTERM ${i % 10} ms after its start (start ${i + 1} of 40)`);
    }
    // Every stand-in Java that started is gone (each one the script stopped, or never started).
    for (const pid of started(mark)) await until(async () => (alive(pid) ? undefined : true));
    // And so is every copy of the script: callers find DynamoDB Local by its command line (npm start's
    // tests with pgrep), which the script's own background jobs share.
    expect(copies()).toEqual([]);
  });
});
