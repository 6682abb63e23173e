/**
 * A tenant's insights from its customers' purchases: one pure function, no I/O. It reads the customers once
 * (any iterable, sync or async), keeps its id and a handful of numbers per customer in typed arrays (about
 * 70 bytes each besides the id, so 100k customers cost some 7 MB), fits the models once, and hands back the
 * tenant's summary plus a generator of per-customer insights computed on demand.
 */
import { isAtRisk } from './at-risk.ts';
import { bgnbdData, expectedPurchases, fitBgnbd, pAlive, type BgnbdParams } from './bgnbd.ts';
import { clv12m, DEFAULT_DISCOUNT_RATE } from './clv.ts';
import { expectedAverageSpend, fitGammaGamma, type GammaGammaParams } from './gamma-gamma.ts';
import { localDay, occasionsOf, summarise, type Purchase } from './occasions.ts';
import { MIN_RFM_PURCHASERS, RFM_GROUPS, rfmReason, rfmScorer, type RfmGroup } from './rfm.ts';

/**
 * The least data the models are fitted on; below it a tenant gets RFM (from MIN_RFM_PURCHASERS up, rfm.ts)
 * and atRisk but no model figures.
 * - BG/NBD: 20 purchasers, 5 of them with a repeat occasion. Its 4 parameters describe a population; the
 *   dropout ones (a, b) are learnt only from customers who came back, and with fewer than 5 of them the
 *   fit runs to the edge of the parameter space or follows one person's habits.
 * - Gamma-Gamma: 10 customers with a repeat occasion (and a positive repeat spend). Its 3 parameters come
 *   from how the repeat customers' average spend varies between them; with fewer, one big spender sets q.
 */
export const MIN_PURCHASERS = 20;
export const MIN_REPEATERS_BGNBD = 5;
export const MIN_REPEATERS_GAMMA_GAMMA = 10;

export const DAYS_PER_WEEK = 7;

export interface CustomerPurchases {
  customerId: string;
  purchases: Iterable<Purchase>;
}

export interface ComputeOptions {
  /** ISO date-time: purchases after it are ignored, and ages are counted to its day in `timeZone`. */
  asOf: string;
  /** IANA time zone of the tenant: it decides which purchases fall on one calendar day. */
  timeZone: string;
  /** Yearly discount rate for clv12m (default 0.10). */
  discountRate?: number;
}

/**
 * A purchaser's RFM: the three scores 1–5 (as the contract names them), the score string and group, and
 * beside them the figures they were scored from.
 */
export interface CustomerRfm {
  recency: number;
  frequency: number;
  monetary: number;
  score: string;
  group: RfmGroup;
  /** Days from the last occasion to asOf's day (tenant time zone). */
  days: number;
  /** Occasions (purchase days). */
  occasions: number;
  /** Total spent, minor units. */
  spent: number;
}

export interface CustomerInsights {
  asOf: string;
  /** Absent while the tenant has fewer than MIN_RFM_PURCHASERS purchasers (the summary's rfmReason says so). */
  rfm?: CustomerRfm;
  purchases: { x: number; tx: number; T: number };
  /** Absent when the tenant has no BG/NBD fit. */
  pAlive?: number;
  expectedPurchases90d?: number;
  /** Minor units. Absent when the tenant has no Gamma-Gamma fit. */
  expectedAverageSpend?: number;
  /** Minor units. Absent unless both models are fitted. */
  clv12m?: number;
  atRisk: boolean;
}

export interface ModelSummary {
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; customers: number } | null;
  gammaGamma: { p: number; q: number; gamma: number; customers: number } | null;
  /** Why a model is null, in plain language. */
  reason?: string;
}

export interface Forecast {
  days: number;
  /** Expected repeat occasions of today's purchasers over the next `days` days. */
  expectedPurchases: number;
  /** Their expected spend, minor units; absent without a Gamma-Gamma fit. */
  expectedRevenue?: number;
}

export interface TenantInsights {
  asOf: string;
  /** Customers read, with or without a purchase. */
  customers: number;
  /** Customers with at least one purchase up to asOf: the ones that get insights. */
  purchasers: number;
  /** Purchasers per group, every group listed; empty ({}) when there is no RFM (then rfmReason says why). */
  rfmGroups: Partial<Record<RfmGroup, number>>;
  /** Why no card has an RFM, in plain language; absent when they have. */
  rfmReason?: string;
  atRisk: number;
  models: ModelSummary;
  /** The purchasers' insights, in the order they were read (customers without a purchase are skipped). */
  insights(): Generator<{ customerId: string; insights: CustomerInsights }>;
  /** Expected repeat occasions and spend of today's purchasers over the next `days` days; null without BG/NBD. */
  forecast(days: number): Forecast | null;
}

/** Growable columns of numbers: what is kept per customer between reading them and scoring them. */
class Column {
  values = new Float64Array(1024);
  push(i: number, v: number) {
    if (i === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[i] = v;
  }
  trimmed(n: number) {
    return this.values.subarray(0, n);
  }
}

const round = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;
const finite = (v: number) => (Number.isFinite(v) ? v : undefined);

export async function computeInsights(
  customers: Iterable<CustomerPurchases> | AsyncIterable<CustomerPurchases>,
  options: ComputeOptions,
): Promise<TenantInsights> {
  const { asOf, timeZone } = options;
  const discountRate = options.discountRate ?? DEFAULT_DISCOUNT_RATE;
  const asOfMs = Date.parse(asOf);
  if (!Number.isFinite(asOfMs)) throw new RangeError(`asOf is not a date-time: ${asOf}`);
  if (!(Number.isFinite(discountRate) && discountRate > -1)) throw new RangeError(`discountRate must be a number above −1, got ${discountRate}`);
  const asOfDay = localDay(asOfMs, timeZone);

  const ids: string[] = [];
  const [x, tx, T, recency, frequency, monetary, repeatMean, risk] = Array.from({ length: 8 }, () => new Column());
  let read = 0;
  for await (const customer of customers) {
    read++;
    const s = summarise(occasionsOf(customer.purchases, timeZone, asOfMs), asOfDay);
    if (!s) continue;
    const i = ids.length;
    ids.push(customer.customerId);
    x.push(i, s.x);
    tx.push(i, s.tx);
    T.push(i, s.T);
    recency.push(i, s.recency);
    frequency.push(i, s.frequency);
    monetary.push(i, s.monetary);
    repeatMean.push(i, s.repeatMean);
    risk.push(i, isAtRisk(s.gaps, s.recency) ? 1 : 0);
  }
  const n = ids.length;
  const col = {
    x: x.trimmed(n),
    tx: tx.trimmed(n),
    T: T.trimmed(n),
    recency: recency.trimmed(n),
    frequency: frequency.trimmed(n),
    monetary: monetary.trimmed(n),
    repeatMean: repeatMean.trimmed(n),
    atRisk: risk.trimmed(n),
  };

  // RFM for everyone, now, so that the group counts are known; for a purchaser alone (nobody to compare with), for no one.
  const hasRfm = n >= MIN_RFM_PURCHASERS;
  const score = rfmScorer(col.recency, col.frequency, col.monetary);
  const groupOf = new Uint8Array(n);
  const scoresOf = new Uint8Array(3 * n);
  const rfmGroups: Partial<Record<RfmGroup, number>> = hasRfm ? Object.fromEntries(RFM_GROUPS.map((g) => [g, 0])) : {};
  let atRisk = 0;
  for (let i = 0; i < n; i++) {
    if (hasRfm) {
      const s = score(col.recency[i], col.frequency[i], col.monetary[i]);
      groupOf[i] = RFM_GROUPS.indexOf(s.group);
      scoresOf.set([s.r, s.f, s.m], 3 * i);
      rfmGroups[s.group]! += 1;
    }
    atRisk += col.atRisk[i];
  }

  const { models, bgnbd, gammaGamma } = fitModels(col.x, col.tx, col.T, col.repeatMean);

  const spendOf = (i: number) => (gammaGamma ? expectedAverageSpend(gammaGamma, col.x[i], col.repeatMean[i]) : NaN);
  const within = (i: number) => (weeks: number) => (bgnbd ? expectedPurchases(bgnbd, col.x[i], col.tx[i], col.T[i], weeks) : NaN);

  function* insights(): Generator<{ customerId: string; insights: CustomerInsights }> {
    for (let i = 0; i < n; i++) {
      const [r, f, m] = scoresOf.subarray(3 * i, 3 * i + 3);
      const item: CustomerInsights = {
        asOf,
        ...(hasRfm ? { rfm: { recency: r, frequency: f, monetary: m, score: `${r}${f}${m}`, group: RFM_GROUPS[groupOf[i]], days: col.recency[i], occasions: col.frequency[i], spent: col.monetary[i] } } : {}),
        purchases: { x: col.x[i], tx: col.tx[i], T: col.T[i] },
        atRisk: col.atRisk[i] === 1,
      };
      if (bgnbd) {
        const alive = finite(pAlive(bgnbd, col.x[i], col.tx[i], col.T[i]));
        const next90 = finite(within(i)(90 / DAYS_PER_WEEK));
        if (alive !== undefined) item.pAlive = round(alive, 4);
        if (next90 !== undefined) item.expectedPurchases90d = round(next90, 4);
      }
      if (gammaGamma) {
        const spend = finite(spendOf(i));
        if (spend !== undefined) item.expectedAverageSpend = Math.round(spend);
        if (bgnbd && spend !== undefined) {
          const clv = finite(clv12m(within(i), spend, discountRate));
          if (clv !== undefined) item.clv12m = Math.round(clv);
        }
      }
      yield { customerId: ids[i], insights: item };
    }
  }

  function forecast(days: number): Forecast | null {
    if (!(Number.isFinite(days) && days >= 0)) throw new RangeError(`days must be a number ≥ 0, got ${days}`);
    if (!bgnbd) return null;
    let purchases = 0;
    let revenue = 0;
    for (let i = 0; i < n; i++) {
      const e = finite(within(i)(days / DAYS_PER_WEEK)) ?? 0;
      purchases += e;
      if (gammaGamma) revenue += e * (finite(spendOf(i)) ?? 0);
    }
    const result: Forecast = { days, expectedPurchases: round(purchases, 2) };
    if (gammaGamma) result.expectedRevenue = Math.round(revenue);
    return result;
  }

  return { asOf, customers: read, purchasers: n, rfmGroups, ...(hasRfm ? {} : { rfmReason: rfmReason(n) }), atRisk, models, insights, forecast };
}

/** Fits both models, or says in plain words why a model has no figures. */
export function fitModels(
  x: ArrayLike<number>,
  tx: ArrayLike<number>,
  T: ArrayLike<number>,
  repeatMean: ArrayLike<number>,
): { models: ModelSummary; bgnbd: BgnbdParams | null; gammaGamma: GammaGammaParams | null } {
  const purchasers = x.length;
  let repeaters = 0;
  let paidRepeaters = 0;
  for (let i = 0; i < purchasers; i++) {
    if (x[i] >= 1) {
      repeaters++;
      if (repeatMean[i] > 0) paidRepeaters++;
    }
  }
  const reasons: string[] = [];
  const models: ModelSummary = { bgnbd: null, gammaGamma: null };

  let bgnbd: BgnbdParams | null = null;
  const tooFew = purchasers < MIN_PURCHASERS || repeaters < MIN_REPEATERS_BGNBD;
  if (tooFew) {
    reasons.push(
      `Predictions need at least ${MIN_PURCHASERS} customers with a purchase and ${MIN_REPEATERS_BGNBD} who came back on another day; ` +
        `so far there ${purchasers === 1 ? 'is 1 customer' : `are ${purchasers} customers`} with a purchase and ${repeaters} came back.`,
    );
  } else {
    const fit = fitBgnbd(bgnbdData(x, tx, T));
    if (fit.ok) {
      bgnbd = fit.params;
      models.bgnbd = { ...fit.params, logLikelihood: fit.logLikelihood, customers: fit.customers };
    } else {
      reasons.push(`No purchase predictions: ${fit.reason}.`);
    }
  }

  let gammaGamma: GammaGammaParams | null = null;
  if (paidRepeaters < MIN_REPEATERS_GAMMA_GAMMA) {
    // When there are too few purchasers altogether, the first reason says it already.
    if (!tooFew) {
      reasons.push(
        `Expected spend needs at least ${MIN_REPEATERS_GAMMA_GAMMA} customers who came back and paid; so far there ${paidRepeaters === 1 ? 'is 1' : `are ${paidRepeaters}`}.`,
      );
    }
  } else {
    const fit = fitGammaGamma(x, repeatMean);
    if (fit.ok) {
      gammaGamma = fit.params;
      models.gammaGamma = { ...fit.params, customers: fit.customers };
    } else {
      reasons.push(`No spend predictions: ${fit.reason}.`);
    }
  }
  if (reasons.length > 0) models.reason = reasons.join(' ');
  return { models, bgnbd, gammaGamma };
}
