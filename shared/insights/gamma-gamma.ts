/**
 * Gamma-Gamma model of monetary value: Fader & Hardie, "The Gamma-Gamma Model of Monetary Value" (2013),
 * after Colombo & Jiang (1999). A customer's occasions are worth z ~ Gamma(p, ν) each, and ν ~ Gamma(q, γ)
 * across customers. It is fitted on the customers with at least one repeat occasion, on m̄, the mean value
 * of their x repeat occasions (the first left out); m̄ of x occasions ~ Gamma(px, νx), so customers with more
 * repeat occasions weigh more, as in the model.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { minimise } from './nelder-mead.ts';
import { LOG_LIMIT, PARAMETER_RANGE } from './bgnbd.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export type GammaGammaFit =
  | { ok: true; params: GammaGammaParams; logLikelihood: number; customers: number; iterations: number }
  | { ok: false; reason: string; customers: number };

/** The repeat customers of a fit, with the sums that do not depend on the parameters worked out once. */
interface Prepared {
  x: Float64Array;
  mean: Float64Array;
  /** Distinct values of x and how many customers have each. */
  xs: number[];
  xCount: number[];
  sumXLogMean: number;
  sumLogMean: number;
  sumXLogX: number;
}

function prepare(x: ArrayLike<number>, mean: ArrayLike<number>): Prepared {
  const xs: number[] = [];
  const ms: number[] = [];
  const byX = new Map<number, number>();
  let sumXLogMean = 0;
  let sumLogMean = 0;
  let sumXLogX = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const m = mean[i];
    if (!(xi >= 1 && m > 0 && Number.isFinite(m))) continue;
    xs.push(xi);
    ms.push(m);
    byX.set(xi, (byX.get(xi) ?? 0) + 1);
    sumXLogMean += xi * Math.log(m);
    sumLogMean += Math.log(m);
    sumXLogX += xi * Math.log(xi);
  }
  return { x: Float64Array.from(xs), mean: Float64Array.from(ms), xs: [...byX.keys()], xCount: [...byX.values()], sumXLogMean, sumLogMean, sumXLogX };
}

/**
 * ln f(m̄ | p, q, γ, x) summed over customers (Fader & Hardie 2013, eq. 3):
 *   lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + x m̄);
 * only the last term needs a pass over the customers for each (p, q, γ).
 */
function logLikelihood({ p, q, gamma }: GammaGammaParams, d: Prepared): number {
  const n = d.x.length;
  let sum = n * (q * Math.log(gamma) - gammaln(q)) + p * d.sumXLogMean - d.sumLogMean + p * d.sumXLogX;
  for (let k = 0; k < d.xs.length; k++) sum += d.xCount[k] * (gammaln(p * d.xs[k] + q) - gammaln(p * d.xs[k]));
  for (let i = 0; i < n; i++) sum -= (p * d.x[i] + q) * Math.log(gamma + d.x[i] * d.mean[i]);
  return sum;
}

/** The log-likelihood of the customers with x ≥ 1 and m̄ > 0 (the others do not take part). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, x: ArrayLike<number>, mean: ArrayLike<number>): number {
  return logLikelihood(params, prepare(x, mean));
}

/**
 * Maximum-likelihood fit over ln p, ln q, ln γ from p = q = 1 and γ = 1 in units of the customers' mean
 * spend (the model is scale-equivariant: scaling every amount by c scales γ by c and nothing else).
 * Refuses a fit that does not converge, runs off to extreme values, or has q ≤ 1 (the average spend of a
 * customer with no repeat occasion would be infinite).
 */
export function fitGammaGamma(x: ArrayLike<number>, mean: ArrayLike<number>): GammaGammaFit {
  const data = prepare(x, mean);
  const customers = data.x.length;
  if (customers === 0) return { ok: false, reason: 'no customer has come back yet, so there is nothing to learn their spend from', customers };
  const scale = data.mean.reduce((s, m) => s + m, 0) / customers;
  const scaled = prepare(data.x, data.mean.map((m) => m / scale));
  const toParams = (v: readonly number[]): GammaGammaParams => ({ p: Math.exp(v[0]), q: Math.exp(v[1]), gamma: Math.exp(v[2]) });
  const objective = (v: number[]) => -logLikelihood(toParams(v), scaled) / customers;
  const result = minimise(objective, [0, 0, 0], { maxIterations: 3000, limit: LOG_LIMIT });
  const fitted = toParams(result.x);
  if (result.escaped || ![fitted.p, fitted.q, fitted.gamma].every((v) => v >= PARAMETER_RANGE[0] && v <= PARAMETER_RANGE[1]) || !(fitted.q > 1)) {
    return { ok: false, reason: 'the spend model (Gamma-Gamma) found no sensible values: spend per visit varies too little or too wildly between customers', customers };
  }
  if (!result.converged) return { ok: false, reason: 'the spend model (Gamma-Gamma) did not settle on stable values for these customers', customers };
  const params = { ...fitted, gamma: fitted.gamma * scale };
  const ll = logLikelihood(params, data);
  if (!Number.isFinite(ll)) return { ok: false, reason: 'the spend model (Gamma-Gamma) could not be evaluated on these amounts', customers };
  return { ok: true, params, logLikelihood: ll, customers, iterations: result.iterations };
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
