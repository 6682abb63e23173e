import { describe, expect, it } from 'vitest';
import { isAtRisk, medianGap } from '../../shared/insights/at-risk.ts';
import { localDay, occasionsOf, summarisePurchases } from '../../shared/insights/occasions.ts';

const day = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;

describe('occasions in the tenant time zone', () => {
  const purchases = [
    { at: '2025-03-01T10:00:00Z', amount: 1000 },
    { at: '2025-03-01T23:30:00Z', amount: 500 }, // 00:30 on 2 March in Rome
    { at: '2025-03-02T09:00:00Z', amount: 250 },
    { at: '2025-03-15T12:00:00Z', amount: 2000 },
    { at: '2025-03-31T23:00:00Z', amount: 999 }, // after asOf
  ];
  // 00:30 on 1 April in Rome (summer time began on 30 March): asOf's day is 1 April there.
  const asOf = '2025-03-31T22:30:00Z';

  it('counts a purchase at 23:30 UTC on the next day in Europe/Rome, and sums a day into one occasion', () => {
    expect(occasionsOf(purchases, 'Europe/Rome', Date.parse(asOf))).toEqual([
      { day: day('2025-03-01'), amount: 1000 },
      { day: day('2025-03-02'), amount: 750 },
      { day: day('2025-03-15'), amount: 2000 },
    ]);
  });

  it('groups the same purchases differently in UTC', () => {
    expect(occasionsOf(purchases, 'UTC', Date.parse(asOf))).toEqual([
      { day: day('2025-03-01'), amount: 1500 },
      { day: day('2025-03-02'), amount: 250 },
      { day: day('2025-03-15'), amount: 2000 },
    ]);
  });

  it('takes asOf’s calendar day in the tenant time zone', () => {
    expect(localDay(Date.parse(asOf), 'Europe/Rome')).toBe(day('2025-04-01'));
    expect(localDay(Date.parse(asOf), 'UTC')).toBe(day('2025-03-31'));
    expect(localDay(Date.parse('2025-03-01T03:00:00Z'), 'America/New_York')).toBe(day('2025-02-28'));
  });

  it('summarises x, tx and T in whole days / 7, recency, frequency and spend, ignoring purchases after asOf', () => {
    const s = summarisePurchases(purchases, 'Europe/Rome', asOf);
    expect(s).toEqual({
      x: 2,
      tx: 14 / 7, // 1 → 15 March
      T: 31 / 7, // 1 March → 1 April
      recency: 17, // 15 March → 1 April
      frequency: 3,
      monetary: 3750,
      repeatMean: (750 + 2000) / 2, // the first occasion left out
      gaps: [1, 13],
    });
  });

  it('gives a one-time buyer x = 0, tx = 0 and no repeat spend', () => {
    const s = summarisePurchases([{ at: '2025-03-10T12:00:00+01:00', amount: 4200 }], 'Europe/Rome', '2025-03-20T12:00:00Z');
    expect(s).toMatchObject({ x: 0, tx: 0, T: 10 / 7, recency: 10, frequency: 1, monetary: 4200, repeatMean: 0, gaps: [] });
  });

  it('has no summary for a customer whose purchases all come after asOf (a past asOf recomputes the past)', () => {
    expect(summarisePurchases([{ at: '2025-06-01T12:00:00Z', amount: 100 }], 'UTC', '2025-05-31T23:59:59Z')).toBeUndefined();
    expect(summarisePurchases([], 'UTC', '2025-05-31T23:59:59Z')).toBeUndefined();
  });

  it('refuses a time zone that is not IANA', () => {
    expect(() => summarisePurchases([{ at: '2025-03-10T12:00:00Z', amount: 1 }], 'Mars/Olympus', '2025-03-20T12:00:00Z')).toThrow(RangeError);
  });
});

describe('atRisk', () => {
  it('takes the median gap, the mean of the middle two when their number is even', () => {
    expect(medianGap([30, 10, 20])).toBe(20);
    expect(medianGap([10, 30])).toBe(20);
    expect(medianGap([7, 1, 100, 3])).toBe(5);
  });

  it('needs the days since the last occasion to exceed twice the median gap, not just equal it', () => {
    expect(isAtRisk([10, 20, 30], 40)).toBe(false);
    expect(isAtRisk([10, 20, 30], 41)).toBe(true);
  });

  it('needs the days since the last occasion to exceed 30, however short the gaps', () => {
    expect(isAtRisk([5, 5], 30)).toBe(false);
    expect(isAtRisk([5, 5], 31)).toBe(true);
  });

  it('never flags a customer with a single occasion', () => {
    expect(isAtRisk([], 1000)).toBe(false);
  });

  it('takes an even number of gaps by their middle two', () => {
    expect(isAtRisk([10, 30], 40)).toBe(false);
    expect(isAtRisk([10, 30], 41)).toBe(true);
  });
});
