/**
 * bench/run.ts starts the run's DynamoDB Local and api-latency's local runtime while the first module runs.
 * A module whose preparation is long and unmeasured (bench/bundles.ts bundles every function) prepares
 * meanwhile, then calls `measurementMayStart()` before it measures anything, so that those starts (Java,
 * tsx, the state machines) never compete with a measurement. bench/run.ts sets BENCH_START_GATE=1 and writes
 * one line to the module's stdin once the starts are over; a module run on its own is never held.
 */
export const START_GATE_ENV = 'BENCH_START_GATE';

export async function measurementMayStart(env: NodeJS.ProcessEnv = process.env, input: NodeJS.ReadableStream = process.stdin): Promise<void> {
  if (env[START_GATE_ENV] !== '1') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      input.off('data', done);
      input.off('end', done);
      input.off('error', done);
      input.pause();
      resolve();
    };
    input.on('data', done);
    input.on('end', done);
    input.on('error', done);
  });
}
