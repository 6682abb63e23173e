/**
 * Nelder–Mead downhill simplex minimiser, with the dimension-adaptive coefficients of Gao & Han,
 * "Implementing the Nelder-Mead simplex algorithm with adaptive parameters", Computational Optimization
 * and Applications 51 (2012), and the termination test of Lagarias et al., SIAM J. Optim. 9(1) (1998):
 * the simplex has collapsed both in its values and in its points.
 *
 * Written here rather than taken from npm: `fmin@0.0.4` ships a UMD build inside a `"type": "module"`
 * package, so under Node it exports nothing, and `fmin@0.0.2` declares rollup, tape and uglify-js 2 as
 * runtime dependencies. Unlike both, this one says whether it converged, which the model fits need in
 * order to refuse a fit that did not settle.
 */

export interface MinimiseOptions {
  /** Give up after this many iterations (default 200 × dimension). */
  maxIterations?: number;
  /** Stop when every vertex's value is within this of the best, relative to 1 + |best| (default 1e-10). */
  valueTolerance?: number;
  /** …and every vertex is within this of the best, coordinate by coordinate (default 1e-7). */
  pointTolerance?: number;
  /** Size of the first simplex's steps from the starting point, times max(1, |coordinate|) (default 0.5). */
  step?: number;
  /**
   * Give up as soon as the best point leaves the box |x_i| ≤ limit: the minimum lies out there (often at
   * infinity, along a ridge), where the caller has no use for it. Default: no limit.
   */
  limit?: number;
}

export interface MinimiseResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
  /** The best point left the box given by `limit`. */
  escaped: boolean;
}

/**
 * Minimises `f` from `start`. A non-finite value of `f` is treated as +∞ (the simplex moves away from it),
 * so objectives may return NaN or ±Infinity outside their domain.
 */
export function nelderMead(f: (x: number[]) => number, start: readonly number[], options: MinimiseOptions = {}): MinimiseResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 200 * n;
  const valueTolerance = options.valueTolerance ?? 1e-10;
  const pointTolerance = options.pointTolerance ?? 1e-7;
  const step = options.step ?? 0.5;
  const limit = options.limit ?? Infinity;
  const reflect = 1;
  const expand = 1 + 2 / n;
  const contract = 0.75 - 1 / (2 * n);
  const shrink = 1 - 1 / n;

  const value = (x: number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const points: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    // Relative to the coordinate's size, so that a restart far out is not a simplex of one point.
    p[i] += step * Math.max(1, Math.abs(p[i]));
    points.push(p);
  }
  const values = points.map(value);
  const order = points.map((_, i) => i);

  const along = (centroid: number[], worst: number[], t: number) => centroid.map((c, i) => c + t * (c - worst[i]));

  let iterations = 0;
  let converged = false;
  let escaped = false;
  for (; iterations < maxIterations; iterations++) {
    order.sort((i, j) => values[i] - values[j]);
    const best = order[0];
    const worst = order[n];
    const secondWorst = order[n - 1];
    if (points[best].some((v) => Math.abs(v) > limit)) {
      escaped = true;
      break;
    }

    if (Number.isFinite(values[worst]) && values[worst] - values[best] <= valueTolerance * (1 + Math.abs(values[best]))) {
      let spread = 0;
      for (const i of order) for (let k = 0; k < n; k++) spread = Math.max(spread, Math.abs(points[i][k] - points[best][k]));
      if (spread <= pointTolerance) {
        converged = true;
        break;
      }
    }

    const centroid = new Array<number>(n).fill(0);
    for (const i of order) {
      if (i === worst) continue;
      for (let k = 0; k < n; k++) centroid[k] += points[i][k] / n;
    }

    const reflected = along(centroid, points[worst], reflect);
    const fr = value(reflected);
    if (fr < values[best]) {
      const expanded = along(centroid, points[worst], reflect * expand);
      const fe = value(expanded);
      if (fe < fr) replace(worst, expanded, fe);
      else replace(worst, reflected, fr);
    } else if (fr < values[secondWorst]) {
      replace(worst, reflected, fr);
    } else {
      const outside = fr < values[worst];
      const contracted = along(centroid, points[worst], outside ? reflect * contract : -contract);
      const fc = value(contracted);
      if (fc <= (outside ? fr : values[worst])) {
        replace(worst, contracted, fc);
      } else {
        for (const i of order) {
          if (i === best) continue;
          points[i] = points[i].map((v, k) => points[best][k] + shrink * (v - points[best][k]));
          values[i] = value(points[i]);
        }
      }
    }
  }

  function replace(i: number, point: number[], v: number) {
    points[i] = point;
    values[i] = v;
  }

  let best = 0;
  for (let i = 1; i <= n; i++) if (values[i] < values[best]) best = i;
  return { x: points[best].slice(), value: values[best], iterations, converged, escaped };
}

/**
 * Minimises, then starts again from the answer with a fresh simplex (the usual guard against a simplex
 * that collapsed before reaching the minimum), until a restart no longer improves the value. Converged
 * only when the last run converged and did not move the value by more than its tolerance; a first run
 * that does not converge is returned as it is.
 */
export function minimise(f: (x: number[]) => number, start: readonly number[], options: MinimiseOptions & { restarts?: number } = {}): MinimiseResult {
  const restarts = options.restarts ?? 4;
  let result = nelderMead(f, start, options);
  let iterations = result.iterations;
  // A first run that did not settle within its iterations is not worth restarting.
  for (let i = 0; i < restarts && result.converged; i++) {
    const again = nelderMead(f, result.x, { ...options, step: Math.min(options.step ?? 0.5, 0.1) });
    iterations += again.iterations;
    const settled = Math.abs(result.value - again.value) <= 1e-8 * (1 + Math.abs(result.value));
    if (again.value <= result.value) result = again;
    if (settled && again.converged) return { ...result, iterations, converged: true };
  }
  return { ...result, iterations, converged: false };
}
