/**
 * RFM: recency, frequency and monetary scores 1–5 as quintiles among the tenant's purchasers, the score
 * string ("545") and the group from the RFM segment map (docs/insights.md explains each group).
 *
 * Quintiles with ties: score = min(5, 1 + floor(5 × s)), s = (k + (t − 1) / 2) / (n − 1), where n is the
 * number of purchasers, k the number whose value is strictly worse and t the number with the same value
 * (itself included): s is the share of the OTHER purchasers a value beats, a tie counting half (the mean
 * percentile rank). Equal values therefore always share a score, from the middle of the places they share;
 * with n distinct values each score holds about n/5 of them, a value scores 5 when it beats at least 80% of
 * the others, and the best of a few purchasers scores 5. Two earlier rules were found wrong by reviews:
 * 1 + floor(5k/n) never reached 5 below 5 purchasers (the best of 3 scored 4, "At risk"), and ties taking
 * the score of their FIRST place made purchasers who all bought on the same day all score R = 1, "Lost".
 * Worst to best: recency in days descending (most recent = 5), frequency and monetary ascending.
 */

import { RFM_GROUPS, type RfmGroup } from '../domain/rfm-groups.ts';
export { RFM_GROUPS, type RfmGroup };

/**
 * The fewest purchasers RFM is computed for: the scores compare a customer with the others, and one
 * purchaser alone has nobody to be compared with (every score would be 1: "Lost").
 */
export const MIN_RFM_PURCHASERS = 2;

/** Why there is no RFM, in plain words (the summary's `rfmReason`; the console recognises this sentence). */
export const rfmReason = (purchasers: number) =>
  `RFM groups need at least ${MIN_RFM_PURCHASERS} customers with a purchase; so far there ${purchasers === 1 ? 'is 1' : `are ${purchasers}`}.`;

/**
 * The segment map: rows R = 5 (top) … 1, columns FM = 1 … 5 with FM = floor((F + M) / 2).
 * Source: the eleven segments and their R and F&M ranges of Putler's RFM segmentation (reproduced in
 * most RFM tutorials and in the R package `rfm`'s segment vignette). Those ranges overlap, so the
 * tutorials that use them as an if-chain never reach some segments; this grid gives every cell one
 * segment whose published ranges contain it, keeping each segment's characteristic corner.
 */
const GRID: readonly (readonly RfmGroup[])[] = [
  /* R5 */ ['New', 'Potential loyalist', 'Potential loyalist', 'Champions', 'Champions'],
  /* R4 */ ['Promising', 'Potential loyalist', 'Loyal', 'Champions', 'Champions'],
  /* R3 */ ['Promising', 'About to sleep', 'Need attention', 'Loyal', 'Loyal'],
  /* R2 */ ['Hibernating', 'About to sleep', 'Need attention', 'At risk', 'At risk'],
  /* R1 */ ['Lost', 'Hibernating', 'At risk', 'Cannot lose them', 'Cannot lose them'],
];

export function rfmGroup(r: number, f: number, m: number): RfmGroup {
  const fm = Math.floor((f + m) / 2);
  return GRID[5 - r][fm - 1];
}

/** Ranks a population of values once, then scores any value of it in O(log n). */
export class QuintileScorer {
  private readonly sorted: Float64Array;

  /** @param higherIsBetter false for recency (fewer days since the last occasion is better) */
  constructor(
    values: ArrayLike<number>,
    private readonly higherIsBetter: boolean,
  ) {
    const sorted = Float64Array.from(values, (v) => (higherIsBetter ? v : -v));
    this.sorted = sorted.sort();
  }

  score(value: number): number {
    const v = this.higherIsBetter ? value : -value;
    const n = this.sorted.length;
    // One value alone has nobody to be compared with (no RFM is computed for one purchaser: MIN_RFM_PURCHASERS).
    if (n < 2) return 3;
    const worse = this.firstAtLeast(v, false);
    const ties = this.firstAtLeast(v, true) - worse;
    // The middle of the places the tied values share (mean percentile rank), as a share of the others.
    const share = (worse + (ties - 1) / 2) / (n - 1);
    return Math.min(5, Math.floor(5 * share) + 1);
  }

  /** How many values are below `v` (`orEqual`: at most `v`). */
  private firstAtLeast(v: number, orEqual: boolean): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < v || (orEqual && this.sorted[mid] === v)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface RfmScores {
  r: number;
  f: number;
  m: number;
  score: string;
  group: RfmGroup;
}

export function rfmScores(r: number, f: number, m: number): RfmScores {
  return { r, f, m, score: `${r}${f}${m}`, group: rfmGroup(r, f, m) };
}

/** Scores every purchaser of a tenant: recency in days, frequency in occasions, monetary in minor units. */
export function rfmScorer(recency: ArrayLike<number>, frequency: ArrayLike<number>, monetary: ArrayLike<number>) {
  const R = new QuintileScorer(recency, false);
  const F = new QuintileScorer(frequency, true);
  const M = new QuintileScorer(monetary, true);
  return (recencyDays: number, occasions: number, spent: number): RfmScores => rfmScores(R.score(recencyDays), F.score(occasions), M.score(spent));
}
