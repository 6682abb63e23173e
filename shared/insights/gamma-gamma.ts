/**
 * Gamma-Gamma model of monetary value: Fader & Hardie, "The Gamma-Gamma Model of Monetary Value" (2013),
 * after Colombo & Jiang (1999). A customer's occasions are worth z ~ Gamma(p, ν) each, and ν ~ Gamma(q, γ)
 * across customers. It is fitted on the customers with at least one repeat occasion, on m̄, the mean value
 * of their x repeat occasions (the first left out); m̄ of x occasions ~ Gamma(px, νx), so customers with more
 * repeat occasions weigh more, as in the model.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { minimise } from './nelder-mead.ts';
import { PARAMETER_RANGE } from './bgnbd.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export type GammaGammaFit =
  | { ok: true; params: GammaGammaParams; logLikelihood: number; customers: number; iterations: number }
  | { ok: false; reason: string; customers: number };

/**
 * ln f(m̄ | p, q, γ, x) summed (Fader & Hardie 2013, eq. 3):
 *   lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + x m̄).
 * Only customers with x ≥ 1 and m̄ > 0 take part.
 */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, x: ArrayLike<number>, mean: ArrayLike<number>): number {
  const lnGammaQ = gammaln(q);
  const lnG = Math.log(gamma);
  const byX = new Map<number, number>();
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const m = mean[i];
    if (!(xi >= 1 && m > 0)) continue;
    let c = byX.get(xi);
    if (c === undefined) byX.set(xi, (c = gammaln(p * xi + q) - gammaln(p * xi) - lnGammaQ + q * lnG + p * xi * Math.log(xi)));
    sum += c + (p * xi - 1) * Math.log(m) - (p * xi + q) * Math.log(gamma + xi * m);
  }
  return sum;
}

/**
 * Maximum-likelihood fit over ln p, ln q, ln γ from p = q = 1 and γ = 1 in units of the customers' mean
 * spend (the model is scale-equivariant: scaling every amount by c scales γ by c and nothing else).
 * Refuses a fit that does not converge, lands on extreme values, or has q ≤ 1 (the average spend of a
 * customer with no repeat occasion would be infinite).
 */
export function fitGammaGamma(x: ArrayLike<number>, mean: ArrayLike<number>): GammaGammaFit {
  const xs: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i] >= 1 && mean[i] > 0 && Number.isFinite(mean[i])) {
      xs.push(x[i]);
      ms.push(mean[i]);
    }
  }
  const customers = xs.length;
  if (customers === 0) return { ok: false, reason: 'no customer has come back yet, so there is nothing to learn their spend from', customers };
  const scale = ms.reduce((s, m) => s + m, 0) / customers;
  const scaled = ms.map((m) => m / scale);
  const toParams = (v: readonly number[]): GammaGammaParams => ({ p: Math.exp(v[0]), q: Math.exp(v[1]), gamma: Math.exp(v[2]) });
  const objective = (v: number[]) => -gammaGammaLogLikelihood(toParams(v), xs, scaled) / customers;
  const result = minimise(objective, [0, 0, 0], { maxIterations: 3000 });
  const fitted = toParams(result.x);
  if (!result.converged) return { ok: false, reason: 'the spend model (Gamma-Gamma) did not settle on stable values for these customers', customers };
  if (![fitted.p, fitted.q, fitted.gamma].every((v) => v >= PARAMETER_RANGE[0] && v <= PARAMETER_RANGE[1]) || !(fitted.q > 1)) {
    return { ok: false, reason: 'the spend model (Gamma-Gamma) found no sensible values: spend per visit varies too little or too wildly between customers', customers };
  }
  const params = { ...fitted, gamma: fitted.gamma * scale };
  const logLikelihood = gammaGammaLogLikelihood(params, xs, ms);
  if (!Number.isFinite(logLikelihood)) return { ok: false, reason: 'the spend model (Gamma-Gamma) could not be evaluated on these amounts', customers };
  return { ok: true, params, logLikelihood, customers, iterations: result.iterations };
}

/**
 * E(M | p, q, γ, m̄, x): the expected value of the customer's future occasions (Fader & Hardie 2013, eq. 5),
 *   (γ + x m̄) p / (px + q − 1),
 * a weighted mean of the population mean pγ/(q−1) and the customer's own m̄; the population mean for x = 0.
 */
export function expectedAverageSpend({ p, q, gamma }: GammaGammaParams, x: number, mean: number): number {
  if (!(x >= 1 && mean > 0)) return (p * gamma) / (q - 1);
  return ((gamma + x * mean) * p) / (p * x + q - 1);
}
