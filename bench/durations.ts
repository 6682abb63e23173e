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
