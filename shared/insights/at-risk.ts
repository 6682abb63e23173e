/**
 * atRisk: a customer who used to come back and now is late. At least 2 occasions, and the days since the
 * last one exceed (strictly) both twice the median gap between their occasions and 30 days.
 */

export const AT_RISK_MIN_DAYS = 30;

/** Median of the gaps in days (the mean of the two middle ones when their number is even). */
export function medianGap(gaps: readonly number[]): number {
  if (gaps.length === 0) return NaN;
  const sorted = [...gaps].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * @param gaps days between consecutive occasions (one fewer than the occasions)
 * @param daysSinceLast days from the last occasion to asOf's day
 */
export function isAtRisk(gaps: readonly number[], daysSinceLast: number): boolean {
  if (gaps.length < 1) return false;
  return daysSinceLast > 2 * medianGap(gaps) && daysSinceLast > AT_RISK_MIN_DAYS;
}
