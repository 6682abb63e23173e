import { describe, expect, it } from 'vitest';
import { clv12m, discountedOccasions } from '../../shared/insights/clv.ts';

const MONTH = 52 / 12; // weeks

describe('clv12m discounting', () => {
  it('does not discount at a rate of 0: occasions in 52 weeks × spend', () => {
    expect(clv12m((t) => 0.1 * t, 2500, 0)).toBeCloseTo(0.1 * 52 * 2500, 9);
  });

  it('discounts each month at its end: half an occasion in each of the first two months at 10% a year', () => {
    const firstTwoMonths = (t: number) => Math.min(1, (0.5 * t) / MONTH);
    // 100 · (0.5 · 1.1^(−1/12) + 0.5 · 1.1^(−2/12)) = 100 · (0.5 · 0.992089 + 0.5 · 0.984240) = 98.8165
    expect(clv12m(firstTwoMonths, 100, 0.1)).toBeCloseTo(98.8165, 3);
  });

  it('discounts an occasion expected in the twelfth month by a whole year', () => {
    const lastMonthOnly = (t: number) => (t > 11 * MONTH + 1e-9 ? 1 : 0);
    expect(clv12m(lastMonthOnly, 100, 0.1)).toBeCloseTo(100 / 1.1, 9);
  });

  it('sums twelve monthly discounts for one occasion a month: Σ 1.1^(−m/12) = 11.4005', () => {
    expect(discountedOccasions((t) => t / MONTH, 0.1)).toBeCloseTo(11.4005, 4);
  });

  it('uses 10% a year when no rate is given', () => {
    expect(discountedOccasions((t) => t / MONTH)).toBeCloseTo(11.4005, 4);
  });

  it('refuses a rate that makes money worthless or negative', () => {
    expect(() => discountedOccasions((t) => t, -1)).toThrow(RangeError);
  });
});
