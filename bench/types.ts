/** One figure of `npm run bench`, beside the baseline measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  /** value / baseline (null without a baseline). */
  ratio: number | null;
  /** What the figure should be, in words (e.g. "ratio ≤ 1.5"), or null when only reported. */
  target: string | null;
}

export interface BenchOptions {
  quick: boolean;
}

export const row = (name: string, value: number, unit: string, baseline: number | null, target: string | null): BenchRow => ({
  name,
  value: round(value),
  unit,
  baseline: baseline === null ? null : round(baseline),
  ratio: baseline ? round(value / baseline) : null,
  target,
});

const round = (n: number) => Math.round(n * 1000) / 1000;

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
