import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { beforeAll, describe, expect, it } from 'vitest';
import { bgnbdData, bgnbdLogLikelihood, expectedPurchases, fitBgnbd, gauss2f1, pAlive, type BgnbdFit } from '../../shared/insights/bgnbd.ts';
import { expectedAverageSpend, fitGammaGamma, type GammaGammaFit } from '../../shared/insights/gamma-gamma.ts';
import { minimise, nelderMead } from '../../shared/insights/nelder-mead.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// The public CDNOW sample travels with the repository (test/fixtures/intel/README.md), so a clone runs it alone.
const CDNOW = resolve(repoRoot, 'test/fixtures/intel/cdnow_sample_summary.csv');

/** Three significant digits, the precision the papers print. */
const sig3 = (v: number) => Number(v.toPrecision(3));

function readCdnow() {
  const [header, ...lines] = readFileSync(CDNOW, 'utf8').trim().split(/\r?\n/);
  expect(header).toBe('ID,x,t_x,T,zbar');
  const rows = lines.map((l) => l.split(',').map(Number));
  return { x: rows.map((r) => r[1]), tx: rows.map((r) => r[2]), T: rows.map((r) => r[3]), zbar: rows.map((r) => r[4]) };
}

describe('the optimiser', () => {
  it('finds the bottom of Rosenbrock’s valley from (−1.2, 1)', () => {
    const rosenbrock = ([a, b]: number[]) => 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    const result = minimise(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 4);
    expect(result.x[1]).toBeCloseTo(1, 4);
  });

  it('says so when there is no minimum to find', () => {
    const result = nelderMead(([a, b]) => a + b, [0, 0], { maxIterations: 500 });
    expect(result.converged).toBe(false);
    expect(minimise(([a, b]) => a + b, [0, 0], { maxIterations: 500 }).converged).toBe(false);
  });

  it('gives up, and says so, when the best point runs past the limit it was given', () => {
    const result = minimise(([a, b]) => Math.exp(-a) + (b - 1) ** 2, [0, 0], { limit: 10 });
    expect(result.escaped).toBe(true);
    expect(result.converged).toBe(false);
    expect(result.iterations).toBeLessThan(200);
  });

  it('steps away from where the function is not defined', () => {
    const result = minimise(([a]) => (a > 0 ? (Math.log(a) - 1) ** 2 : NaN), [1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(Math.E, 4);
  });
});

describe('BG/NBD likelihood', () => {
  it('matches the paper’s formula worked by hand for two small customers', () => {
    const one = { r: 1, alpha: 1, a: 1, b: 1 };
    // x = 0, T = 1: (α/(α+T))^r = 1/2.
    expect(bgnbdLogLikelihood(one, bgnbdData([0], [0], [1]))).toBeCloseTo(Math.log(1 / 2), 12);
    // x = 1, tx = 1, T = 2: B(1,2)/B(1,1) · 1/3² + B(2,1)/B(1,1) · 1/2² = 1/18 + 1/8 = 13/72.
    expect(bgnbdLogLikelihood(one, bgnbdData([1], [1], [2]))).toBeCloseTo(Math.log(13 / 72), 12);
    // Both at once, and a customer counted twice counts twice.
    expect(bgnbdLogLikelihood(one, bgnbdData([0, 1, 1], [0, 1, 1], [1, 2, 2]))).toBeCloseTo(Math.log(1 / 2) + 2 * Math.log(13 / 72), 12);
  });

  it('works out pAlive by hand: 1 / (1 + a/(b+x−1) · ((α+T)/(α+tx))^(r+x)) = 1 / (1 + (3/2)²) = 4/13', () => {
    expect(pAlive({ r: 1, alpha: 1, a: 1, b: 1 }, 1, 1, 2)).toBeCloseTo(4 / 13, 12);
  });

  it('stays finite for customers far outside CDNOW’s range', () => {
    const params = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    expect(Number.isFinite(bgnbdLogLikelihood(params, bgnbdData([0, 5000, 300], [0, 520, 500], [10_000, 520, 2_000])))).toBe(true);
  });
});

describe('CDNOW: reproducing Fader, Hardie & Lee (2005) and Fader & Hardie (2013)', () => {
  let bgnbd: BgnbdFit;
  let gammaGamma: GammaGammaFit;
  beforeAll(() => {
    const data = readCdnow();
    expect(data.x).toHaveLength(2357);
    bgnbd = fitBgnbd(bgnbdData(data.x, data.tx, data.T));
    gammaGamma = fitGammaGamma(data.x, data.zbar);
  });

  it('fits BG/NBD from r = α = a = b = 1 to r = 0.243, α = 4.414, a = 0.793, b = 2.426', () => {
    if (!bgnbd.ok) throw new Error(bgnbd.reason);
    const { r, alpha, a, b } = bgnbd.params;
    expect([r, alpha, a, b].map(sig3)).toEqual([0.243, 4.41, 0.793, 2.43]);
    expect(r).toBeCloseTo(0.243, 3);
    expect(alpha).toBeCloseTo(4.414, 2);
    expect(a).toBeCloseTo(0.793, 3);
    expect(b).toBeCloseTo(2.426, 2);
    expect(bgnbd.customers).toBe(2357);
  });

  it('reaches the published log-likelihood, −9582.4', () => {
    if (!bgnbd.ok) throw new Error(bgnbd.reason);
    expect(bgnbd.logLikelihood).toBeCloseTo(-9582.4, 1);
  });

  it('expects 1.226 purchases in the next 39 weeks from the customer with x = 2, tx = 30.43, T = 38.86', () => {
    if (!bgnbd.ok) throw new Error(bgnbd.reason);
    const e = expectedPurchases(bgnbd.params, 2, 30.43, 38.86, 39);
    expect(sig3(e)).toBe(sig3(1.226));
    expect(e).toBeCloseTo(1.226, 3);
  });

  it('fits Gamma-Gamma on the 946 repeat customers to p = 6.25, q = 3.74, γ = 15.44', () => {
    if (!gammaGamma.ok) throw new Error(gammaGamma.reason);
    const { p, q, gamma } = gammaGamma.params;
    expect([p, q, gamma].map(sig3)).toEqual([6.25, 3.74, 15.4]);
    expect(gamma).toBeCloseTo(15.44, 1);
    expect(gammaGamma.customers).toBe(946);
  });

  it('finds the same Gamma-Gamma fit in cents, with γ in cents', () => {
    const data = readCdnow();
    const cents = fitGammaGamma(
      data.x,
      data.zbar.map((z) => z * 100),
    );
    if (!cents.ok || !gammaGamma.ok) throw new Error('no fit');
    expect(cents.params.p).toBeCloseTo(gammaGamma.params.p, 3);
    expect(cents.params.q).toBeCloseTo(gammaGamma.params.q, 3);
    expect(cents.params.gamma / 100).toBeCloseTo(gammaGamma.params.gamma, 2);
  });

  it('expects a repeat customer’s spend between their own average and the population’s', () => {
    if (!gammaGamma.ok) throw new Error(gammaGamma.reason);
    const { p, q, gamma } = gammaGamma.params;
    const population = (p * gamma) / (q - 1);
    expect(expectedAverageSpend(gammaGamma.params, 0, 0)).toBeCloseTo(population, 10);
    const big = expectedAverageSpend(gammaGamma.params, 3, 100);
    expect(big).toBeGreaterThan(population);
    expect(big).toBeLessThan(100);
    // More repeat occasions: closer to the customer's own average.
    expect(expectedAverageSpend(gammaGamma.params, 20, 100)).toBeGreaterThan(big);
  });
});

describe('BG/NBD predictions, for any sensible parameters', () => {
  const params = fc.record({
    r: fc.double({ min: 0.05, max: 5, noNaN: true }),
    alpha: fc.double({ min: 0.1, max: 100, noNaN: true }),
    a: fc.double({ min: 0.05, max: 5, noNaN: true }),
    b: fc.double({ min: 0.05, max: 20, noNaN: true }),
  });
  const customer = fc
    .record({ x: fc.integer({ min: 0, max: 500 }), T: fc.integer({ min: 0, max: 520 }), share: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map(({ x, T, share }) => ({ x, T, tx: x === 0 ? 0 : Math.round(share * T) }));

  it('keeps pAlive between 0 and 1, and at exactly 1 for a customer who has not come back yet', () => {
    fc.assert(
      fc.property(params, customer, (p, c) => {
        const alive = pAlive(p, c.x, c.tx, c.T);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1);
        expect(pAlive(p, 0, 0, c.T)).toBe(1);
      }),
    );
  });

  it('expects a non-negative number of purchases that grows with the horizon', () => {
    fc.assert(
      fc.property(params, customer, fc.double({ min: 0.1, max: 104, noNaN: true }), (p, c, t) => {
        const sooner = expectedPurchases(p, c.x, c.tx, c.T, t);
        const later = expectedPurchases(p, c.x, c.tx, c.T, t * 1.5);
        expect(Number.isFinite(sooner)).toBe(true);
        expect(sooner).toBeGreaterThanOrEqual(0);
        // Relative tolerance for rounding, absolute for underflow: a customer all but surely gone (100 purchases,
        // the last a week ago, at once) expects ~1e-99 purchases, which the longer horizon may round to 0.
        expect(later).toBeGreaterThanOrEqual(sooner * (1 - 1e-9) - 1e-12);
      }),
    );
  });

  it('expects nothing in no time, and no more from a customer likely gone than from one alike who is surely active', () => {
    const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    expect(expectedPurchases(p, 2, 30.43, 38.86, 0)).toBe(0);
    // Same history, but the second customer's last purchase is recent: more likely alive, more purchases.
    expect(expectedPurchases(p, 2, 5, 38.86, 39)).toBeLessThan(expectedPurchases(p, 2, 38, 38.86, 39));
    expect(pAlive(p, 2, 5, 38.86)).toBeLessThan(pAlive(p, 2, 38, 38.86));
  });

  it('keeps expecting purchases where @stdlib/hyp2f1 answers NaN (z > 0.9 for some fitted parameters)', () => {
    // Found by the property above: these parameters and horizons made 2F1 NaN and the customer's expected
    // purchases 0 past 64 weeks, after growing until then.
    const p = { r: 4.99999999999917, alpha: 0.10555555555554764, a: 4.999999999999288, b: 0.05 };
    const at64 = expectedPurchases(p, 123, 6, 7, 63.95);
    const at96 = expectedPurchases(p, 123, 6, 7, 95.925);
    expect(at64).toBeGreaterThan(0);
    expect(at96).toBeGreaterThanOrEqual(at64);
    // The 2F1 of that horizon, as expectedPurchases asks for it: the library's NaN, the series' value.
    const [A, B, C, z] = [p.a + p.b - 1 - p.r, p.a - 1, p.a + p.b + 123 - 1, 95.925 / (p.alpha + 7 + 95.925)];
    expect(Number.isNaN(hyp2f1(A, B, C, z))).toBe(true);
    expect(gauss2f1(A, B, C, z)).toBeGreaterThan(0.9);
    expect(gauss2f1(A, B, C, z)).toBeLessThan(1);
    // Where the library answers, the same value.
    for (const w of [0.1, 0.5, 0.85, 0.9]) expect(gauss2f1(A, B, C, w)).toBe(hyp2f1(A, B, C, w));
  });

  it('copes with a = 1, where the formula is 0/0', () => {
    const near = expectedPurchases({ r: 0.5, alpha: 5, a: 1.001, b: 2 }, 3, 20, 30, 26);
    const at = expectedPurchases({ r: 0.5, alpha: 5, a: 1, b: 2 }, 3, 20, 30, 26);
    expect(Number.isFinite(at)).toBe(true);
    expect(at).toBeCloseTo(near, 2);
  });
});
