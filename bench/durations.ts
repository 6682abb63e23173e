/**
 * Where a bench run's time went: one line per step (a module, the shared emulator's start), longest first,
 * with its share of the run, so that a slow `--quick` run says which module to look at.
 */
export function durationSummary(steps: { step: string; seconds: number }[], totalSeconds: number): string {
  const lines = [...steps]
    .sort((a, b) => b.seconds - a.seconds)
    .map(({ step, seconds }) => {
      const share = totalSeconds > 0 ? Math.round((100 * seconds) / totalSeconds) : 0;
      return `  ${seconds.toFixed(1).padStart(7)} s  ${String(share).padStart(3)} %  ${step}`;
    });
  return [`bench: ${totalSeconds.toFixed(1)} s in all`, ...lines].join('\n');
}

/**
 * A module's own phases on stderr (`bench import: e2e done in 4.2 s`), each timed from the one before, so
 * that a slow run shows which step of which module took the time.
 */
export function phaseLog(module: string, log: (line: string) => void = console.error, now: () => number = () => performance.now()): (phase: string) => void {
  let last = now();
  return (phase) => {
    const at = now();
    log(`bench ${module}: ${phase} in ${((at - last) / 1000).toFixed(1)} s`);
    last = at;
  };
}
