/**
 * BG/NBD: Fader, Hardie & Lee, "'Counting Your Customers' the Easy Way: An Alternative to the Pareto/NBD
 * Model", Marketing Science 24(2), 2005. While alive a customer buys at a Poisson rate λ ~ Gamma(r, α)
 * (per week); after each purchase they drop out with probability p ~ Beta(a, b).
 * A customer is summarised by x (repeat occasions), tx (weeks from first to last occasion) and T (weeks
 * from first occasion to the end of the period).
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { minimise } from './nelder-mead.ts';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * Customers for a fit, as columns of distinct (x, tx, T) rows with their count: many customers share a
 * row (every one-time buyer of the same day does), so a tenant of 100k customers costs far fewer rows.
 */
export interface BgnbdData {
  x: Float64Array;
  /** Index into `times` of each row's tx and T. */
  txAt: Uint32Array;
  TAt: Uint32Array;
  /** The distinct values of tx and T (so that log(α + t) is computed once per value per evaluation). */
  times: Float64Array;
  /** The distinct values of x, and each row's index into them. */
  xs: Float64Array;
  xAt: Uint32Array;
  count: Float64Array;
  customers: number;
}

export function bgnbdData(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>): BgnbdData {
  const rows = new Map<string, number>();
  const timeIndex = new Map<number, number>();
  const xIndex = new Map<number, number>();
  const indexOf = (m: Map<number, number>, v: number) => {
    let i = m.get(v);
    if (i === undefined) m.set(v, (i = m.size));
    return i;
  };
  const rx: number[] = [];
  const rtx: number[] = [];
  const rT: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const key = `${x[i]} ${tx[i]} ${T[i]}`;
    const row = rows.get(key);
    if (row !== undefined) {
      counts[row]++;
      continue;
    }
    rows.set(key, counts.length);
    rx.push(x[i]);
    rtx.push(indexOf(timeIndex, tx[i]));
    rT.push(indexOf(timeIndex, T[i]));
    counts.push(1);
  }
  const xAt = Uint32Array.from(rx, (v) => indexOf(xIndex, v));
  return {
    x: Float64Array.from(rx),
    txAt: Uint32Array.from(rtx),
    TAt: Uint32Array.from(rT),
    times: Float64Array.from(timeIndex.keys()),
    xs: Float64Array.from(xIndex.keys()),
    xAt,
    count: Float64Array.from(counts),
    customers: x.length,
  };
}

const logAddExp = (u: number, v: number) => {
  const m = Math.max(u, v);
  return m === -Infinity ? -Infinity : m + Math.log1p(Math.exp(-Math.abs(u - v)));
};

/**
 * The log-likelihood of the data (FHL 2005, eq. 6), summed over customers, in log space:
 * ln L = lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
 *        + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+tx)^−(r+x) ].
 */
export function bgnbdLogLikelihood({ r, alpha, a, b }: BgnbdParams, data: BgnbdData): number {
  const logTime = data.times.map((t) => Math.log(alpha + t));
  const base = data.xs.map((x) => gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + betaln(a, b + x) - betaln(a, b));
  const dropout = data.xs.map((x) => (x > 0 ? Math.log(a) - Math.log(b + x - 1) : -Infinity));
  let sum = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i];
    const k = data.xAt[i];
    const stillAlive = -(r + x) * logTime[data.TAt[i]];
    const droppedOut = x > 0 ? dropout[k] - (r + x) * logTime[data.txAt[i]] : -Infinity;
    sum += data.count[i] * (base[k] + logAddExp(stillAlive, droppedOut));
  }
  return sum;
}

export type BgnbdFit =
  | { ok: true; params: BgnbdParams; logLikelihood: number; customers: number; iterations: number }
  | { ok: false; reason: string; customers: number };

/** Parameters outside this range mean the fit ran to a boundary: the data do not pin the model down. */
export const PARAMETER_RANGE = [1e-4, 1e4] as const;
/**
 * The fit gives up once a log-parameter passes ±LOG_LIMIT (about 1e-5 … 1e5): the likelihood keeps
 * rising along a ridge to infinity there (e.g. every customer with the same dropout probability sends
 * a and b to infinity), and the answer would be refused anyway.
 */
export const LOG_LIMIT = Math.log(1e5);

/**
 * Maximum-likelihood fit over the logarithms of the parameters (so they stay positive), from r = α = a =
 * b = 1. Refuses, with a reason, a fit that does not converge or lands on non-finite or extreme values.
 */
export function fitBgnbd(data: BgnbdData): BgnbdFit {
  const customers = data.customers;
  if (customers === 0) return { ok: false, reason: 'there are no customers with a purchase', customers };
  const toParams = (v: readonly number[]): BgnbdParams => ({ r: Math.exp(v[0]), alpha: Math.exp(v[1]), a: Math.exp(v[2]), b: Math.exp(v[3]) });
  // The mean per customer, so that the tolerances mean the same at 50 customers and at 100k.
  const objective = (v: number[]) => -bgnbdLogLikelihood(toParams(v), data) / customers;
  const result = minimise(objective, [0, 0, 0, 0], { maxIterations: 4000, limit: LOG_LIMIT });
  const params = toParams(result.x);
  const logLikelihood = -result.value * customers;
  const values = [params.r, params.alpha, params.a, params.b];
  if (result.escaped || !Number.isFinite(logLikelihood) || values.some((v) => !(v >= PARAMETER_RANGE[0] && v <= PARAMETER_RANGE[1]))) {
    return { ok: false, reason: 'the purchase model (BG/NBD) found no sensible values: the purchase history is too uniform or too thin to tell customers apart', customers };
  }
  if (!result.converged) {
    return { ok: false, reason: 'the purchase model (BG/NBD) did not settle on stable values for these customers', customers };
  }
  return { ok: true, params, logLikelihood, customers, iterations: result.iterations };
}

/** ln of the odds that the customer dropped out after their last occasion (−∞ for x = 0). */
function logDropoutOdds({ r, alpha, a, b }: BgnbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return -Infinity;
  return Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
}

/**
 * P(alive | x, tx, T) (FHL 2005, eq. 11). Exactly 1 for x = 0: in BG/NBD a customer can only drop out
 * right after a repeat purchase, so one who never came back is, for the model, still active.
 */
export function pAlive(params: BgnbdParams, x: number, tx: number, T: number): number {
  return 1 / (1 + Math.exp(logDropoutOdds(params, x, tx, T)));
}

/**
 * E[Y(t) | x, tx, T]: expected occasions in the next t weeks (FHL 2005, eq. 10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)] · pAlive,   z = t/(α+T+t).
 * 2F1 is taken through Euler's transformation, 2F1(A,B;C;z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z), so
 *   (1−z)^(r+x) · 2F1(r+x, b+x; C; z) = (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z),
 * which stays of order 1 for large x instead of multiplying an underflowing power by an overflowing series.
 */
/**
 * 2F1(A, B; C; z) for 0 ≤ z < 1: @stdlib's hyp2f1, and where it answers NaN the Gauss series summed
 * directly. @stdlib's transformation for z > 0.9 returns NaN for some parameters a fit can reach (e.g.
 * A ≈ −0.95, B = 4, C = 127, z = 0.91: found by a property test), which made a likely-active customer's
 * expected purchases 0. Here C > 0 and the terms' ratio tends to z, so the series converges; the fallback is
 * rare, and capped.
 */
export function gauss2f1(A: number, B: number, C: number, z: number): number {
  const v = hyp2f1(A, B, C, z);
  if (Number.isFinite(v)) return v;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 1_000_000; n++) {
    term *= ((A + n) * (B + n)) / ((C + n) * (n + 1)) * z;
    sum += term;
    if (term === 0 || Math.abs(term) < 1e-16 * Math.abs(sum)) return sum;
  }
  return Number.NaN;
}

export function expectedPurchases(params: BgnbdParams, x: number, tx: number, T: number, t: number): number {
  if (!(t > 0)) return 0;
  const { r, alpha, b } = params;
  // a = 1 makes the formula 0/0; its limit is met from a hair away.
  const a = Math.abs(params.a - 1) < 1e-7 ? 1 + 1e-7 : params.a;
  const z = t / (alpha + T + t);
  const log1mz = Math.log(alpha + T) - Math.log(alpha + T + t);
  const bracket = 1 - Math.exp((a - 1) * log1mz) * gauss2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  const value = ((a + b + x - 1) / (a - 1)) * bracket * pAlive(params, x, tx, T);
  return value > 0 ? value : 0;
}
