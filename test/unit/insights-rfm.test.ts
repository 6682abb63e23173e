import { describe, expect, it } from 'vitest';
import { QuintileScorer, RFM_GROUPS, rfmGroup, rfmScorer, rfmScores } from '../../shared/insights/rfm.ts';

describe('RFM quintile scores', () => {
  it('gives two of ten distinct values to each score', () => {
    const frequency = new QuintileScorer([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], true);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => frequency.score(v))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('scores recency the other way round: fewest days since the last occasion is 5', () => {
    const recency = new QuintileScorer([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => recency.score(v))).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  });

  it('gives tied values one score, from the middle of the places they share: six one-time buyers of ten all score 2', () => {
    const values = [1, 1, 1, 1, 1, 1, 2, 2, 3, 5];
    const frequency = new QuintileScorer(values, true);
    // One-time buyers: (0 + 5/2) / 9 = 0.28 → 2; twice: (6 + 1/2) / 9 = 0.72 → 4; 3 and 5 times: 8/9 and 9/9 → 5.
    expect(values.map((v) => frequency.score(v))).toEqual([2, 2, 2, 2, 2, 2, 4, 4, 5, 5]);
  });

  it('scores purchasers who all tie in the middle (3), not as the worst: all bought on the same day is no "Lost"', () => {
    // A review found a new business whose buyers all bought yesterday filed as "Lost" (111) by a first-place tie rule.
    expect(new QuintileScorer([1, 1, 1, 1], false).score(1)).toBe(3);
    const score = rfmScorer([1, 1], [1, 1], [5000, 5000]);
    expect(score(1, 1, 5000)).toMatchObject({ score: '333', group: 'Need attention' });
  });

  it('gives a best value shared by half the customers 4, by a third 5', () => {
    // Worst to best: 9, 5, 5, 0, 0, 0 — today's three beat 3 of the 5 others and tie with 2: (3 + 1) / 5 = 0.8 → 5.
    const recency = new QuintileScorer([0, 0, 0, 5, 5, 9], false);
    expect([0, 5, 9].map((v) => recency.score(v))).toEqual([5, 2, 1]);
    // Four of six: (2 + 1.5) / 5 = 0.7 → 4.
    expect(new QuintileScorer([0, 0, 0, 0, 5, 9], false).score(0)).toBe(4);
  });

  it('scores one customer alone in the middle (3: nobody to compare with; compute gives them no RFM at all)', () => {
    expect(new QuintileScorer([42], true).score(42)).toBe(3);
  });

  it('builds the score string R, F, M', () => {
    expect(rfmScores(5, 4, 5)).toEqual({ r: 5, f: 4, m: 5, score: '545', group: 'Champions' });
    // Three customers: the best of each beats both others, 1 + floor(5·2/2) → 5; the middle one 1 + floor(5·1/2) = 3.
    // (With 1 + floor(5k/n) the best of three scored 4 and the middle one 2: a review found the best customer "At risk".)
    const score = rfmScorer([1, 30, 300], [5, 2, 1], [50_000, 9_000, 1_000]);
    expect(score(1, 5, 50_000)).toMatchObject({ score: '555', group: 'Champions' });
    expect(score(30, 2, 9_000).score).toBe('333');
    expect(score(300, 1, 1_000)).toMatchObject({ score: '111', group: 'Lost' });
    // Two customers: the better one 5, the other 1.
    const two = rfmScorer([1, 30], [2, 1], [9_000, 1_000]);
    expect([two(1, 2, 9_000).score, two(30, 1, 1_000).score]).toEqual(['555', '111']);
  });
});

describe('RFM groups', () => {
  it('places the usual corners', () => {
    expect(rfmGroup(5, 5, 5)).toBe('Champions');
    expect(rfmGroup(4, 4, 4)).toBe('Champions');
    expect(rfmGroup(5, 1, 1)).toBe('New');
    expect(rfmGroup(4, 1, 2)).toBe('Promising');
    expect(rfmGroup(3, 1, 1)).toBe('Promising');
    expect(rfmGroup(5, 2, 3)).toBe('Potential loyalist');
    expect(rfmGroup(4, 4, 2)).toBe('Loyal');
    expect(rfmGroup(3, 5, 5)).toBe('Loyal');
    expect(rfmGroup(3, 3, 3)).toBe('Need attention');
    expect(rfmGroup(2, 2, 2)).toBe('About to sleep');
    expect(rfmGroup(2, 5, 4)).toBe('At risk');
    expect(rfmGroup(1, 3, 3)).toBe('At risk');
    expect(rfmGroup(1, 5, 5)).toBe('Cannot lose them');
    expect(rfmGroup(1, 4, 4)).toBe('Cannot lose them');
    expect(rfmGroup(2, 1, 1)).toBe('Hibernating');
    expect(rfmGroup(1, 2, 2)).toBe('Hibernating');
    expect(rfmGroup(1, 1, 1)).toBe('Lost');
  });

  it('rounds the F and M average down: 4 and 5 make 4, 1 and 2 make 1', () => {
    expect(rfmGroup(5, 4, 5)).toBe('Champions');
    expect(rfmGroup(5, 3, 4)).toBe('Potential loyalist');
    expect(rfmGroup(5, 1, 2)).toBe('New');
  });

  it('reaches all eleven groups', () => {
    const seen = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) seen.add(rfmGroup(r, f, m));
    expect([...seen].sort()).toEqual([...RFM_GROUPS].sort());
  });

  it('keeps every score inside its group’s published R and F&M ranges (Putler’s segment table)', () => {
    // [R from, R to, F&M from, F&M to], as published; "0" lower bounds read as "up to".
    const published: Record<string, [number, number, number, number]> = {
      Champions: [4, 5, 4, 5],
      Loyal: [2, 5, 3, 5],
      'Potential loyalist': [3, 5, 1, 3],
      New: [4, 5, 0, 1],
      Promising: [3, 4, 0, 1],
      'Need attention': [2, 3, 2, 3],
      'About to sleep': [2, 3, 0, 2],
      'At risk': [0, 2, 2, 5],
      'Cannot lose them': [0, 1, 4, 5],
      Hibernating: [1, 2, 1, 2],
      Lost: [0, 2, 0, 2],
    };
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) {
        for (let m = 1; m <= 5; m++) {
          const [r0, r1, fm0, fm1] = published[rfmGroup(r, f, m)];
          const fm = Math.floor((f + m) / 2);
          expect({ r, f, m, inside: r >= r0 && r <= r1 && fm >= fm0 && fm <= fm1 }).toEqual({ r, f, m, inside: true });
        }
      }
    }
  });
});
