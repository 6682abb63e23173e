/**
 * clv12m: the value of a customer's next 52 weeks, in today's money.
 *
 * The 52 weeks are split into 12 equal months (52/12 weeks each). Month m's expected occasions are
 * E[Y(t_m)] − E[Y(t_{m−1})] with t_m = 52·m/12 weeks (BG/NBD's conditional expectation), each worth the
 * expected average spend (Gamma-Gamma), and month m is discounted as if paid at its end:
 * by (1 + d)^(−m/12), d the yearly discount rate. So
 *   clv12m = spend · Σ_{m=1..12} (E[Y(t_m)] − E[Y(t_{m−1})]) · (1 + d)^(−m/12).
 * Monthly discounting keeps the figure explainable: at 10% a year, a euro expected in the twelfth month
 * counts as 91 cents today, one expected in the first month as 99 cents.
 */

export const DEFAULT_DISCOUNT_RATE = 0.1;
export const CLV_WEEKS = 52;
export const CLV_MONTHS = 12;

/**
 * Σ over the 12 months of the month's expected occasions, discounted.
 * @param expectedWithin expected occasions in the next t weeks (0 at t = 0, non-decreasing)
 */
export function discountedOccasions(expectedWithin: (weeks: number) => number, discountRate = DEFAULT_DISCOUNT_RATE): number {
  if (!(discountRate > -1)) throw new RangeError(`discountRate must be greater than −1, got ${discountRate}`);
  let previous = 0;
  let sum = 0;
  for (let m = 1; m <= CLV_MONTHS; m++) {
    const cumulative = expectedWithin((CLV_WEEKS * m) / CLV_MONTHS);
    sum += (cumulative - previous) * Math.pow(1 + discountRate, -m / CLV_MONTHS);
    previous = cumulative;
  }
  return sum;
}

/** Expected occasions in the next 52 weeks × expected average spend, discounted monthly. */
export function clv12m(expectedWithin: (weeks: number) => number, expectedAverageSpend: number, discountRate = DEFAULT_DISCOUNT_RATE): number {
  return expectedAverageSpend * discountedOccasions(expectedWithin, discountRate);
}
