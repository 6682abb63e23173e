import { beforeAll, describe, expect, it } from 'vitest';
import { computeInsights, type CustomerInsights, type CustomerPurchases, type TenantInsights } from '../../shared/insights/compute.ts';
import type { Purchase } from '../../shared/insights/occasions.ts';

const DAY = 86_400_000;
const ASOF = '2025-06-30T18:00:00Z';
const ASOF_MS = Date.parse(ASOF);

/** mulberry32: a small seeded generator, so the simulated tenant is the same on every run. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gamma(shape, rate) by Marsaglia & Tsang. */
function gamma(u: () => number, shape: number, rate: number): number {
  if (shape < 1) return gamma(u, shape + 1, rate) * Math.pow(u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = Math.sqrt(-2 * Math.log(u() || 1e-300)) * Math.cos(2 * Math.PI * u());
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    if (Math.log(u() || 1e-300) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

/**
 * A shop whose customers behave as BG/NBD and Gamma-Gamma say: rates λ ~ Gamma(r = 0.6, α = 8) a week,
 * dropout after each repeat purchase with p ~ Beta(0.8, 3), spend per occasion ~ Gamma(p = 4, ν) euros with
 * ν ~ Gamma(q = 3, γ = 20), so pγ/(q−1) = 40.00 a visit on average. First purchases spread over the year
 * before asOf.
 */
function simulatedShop(customers: number, seed = 7): CustomerPurchases[] {
  const u = random(seed);
  return Array.from({ length: customers }, (_, i) => {
    const lambda = gamma(u, 0.6, 8) / 7; // a day
    const g1 = gamma(u, 0.8, 1);
    const dropout = g1 / (g1 + gamma(u, 3, 1));
    const nu = gamma(u, 3, 20);
    const purchases: Purchase[] = [];
    let t = ASOF_MS - Math.floor(u() * 365) * DAY - 3_600_000;
    for (;;) {
      purchases.push({ at: new Date(t).toISOString(), amount: Math.round(gamma(u, 4, nu) * 100) });
      t += (-Math.log(u() || 1e-300) / lambda) * DAY;
      if (t > ASOF_MS) break;
      if (purchases.length > 1 && u() < dropout) break;
    }
    return { customerId: `c${i}`, purchases };
  });
}

async function collect(result: TenantInsights) {
  return [...result.insights()];
}

describe('a tenant with enough purchasers', () => {
  let result: TenantInsights;
  let items: { customerId: string; insights: CustomerInsights }[];
  beforeAll(async () => {
    const shop = simulatedShop(1500);
    shop.push({ customerId: 'never-bought', purchases: [] });
    shop.push({ customerId: 'bought-after-asOf', purchases: [{ at: '2025-07-01T09:00:00Z', amount: 1000 }] });
    result = await computeInsights(shop, { asOf: ASOF, timeZone: 'Europe/Rome' });
    items = await collect(result);
  });

  it('fits both models and finds the simulated shop’s parameters again, roughly', () => {
    expect(result.models.reason).toBeUndefined();
    const { bgnbd, gammaGamma } = result.models;
    if (!bgnbd || !gammaGamma) throw new Error('no models');
    expect(bgnbd.customers).toBe(1500);
    expect(bgnbd.r).toBeGreaterThan(0.3);
    expect(bgnbd.r).toBeLessThan(1.2);
    expect(bgnbd.r / bgnbd.alpha).toBeGreaterThan(0.6 / 8 / 1.6); // mean weekly rate
    expect(bgnbd.r / bgnbd.alpha).toBeLessThan((0.6 / 8) * 1.6);
    expect(bgnbd.a / (bgnbd.a + bgnbd.b)).toBeGreaterThan(0.1); // mean dropout 0.21
    expect(bgnbd.a / (bgnbd.a + bgnbd.b)).toBeLessThan(0.4);
    expect(Number.isFinite(bgnbd.logLikelihood)).toBe(true);
    // Mean spend per occasion pγ/(q−1): 4000 cents by construction.
    const meanSpend = (gammaGamma.p * gammaGamma.gamma) / (gammaGamma.q - 1);
    expect(meanSpend).toBeGreaterThan(3000);
    expect(meanSpend).toBeLessThan(5500);
  });

  it('counts every customer read but gives insights only to those with a purchase up to asOf', () => {
    expect(result.customers).toBe(1502);
    expect(result.purchasers).toBe(1500);
    expect(items).toHaveLength(1500);
    expect(items.map((i) => i.customerId)).not.toContain('never-bought');
    expect(items.map((i) => i.customerId)).not.toContain('bought-after-asOf');
  });

  it('gives every purchaser every figure, in range', () => {
    for (const { insights: c } of items) {
      expect(c.asOf).toBe(ASOF);
      const rfm = c.rfm!;
      expect(rfm.score).toMatch(/^[1-5]{3}$/);
      // The fields hold the scores the score string is made of; the figures scored are beside them.
      expect(rfm.score).toBe(`${rfm.recency}${rfm.frequency}${rfm.monetary}`);
      expect(rfm.occasions).toBe(c.purchases.x + 1);
      expect(rfm.days).toBeGreaterThanOrEqual(0);
      expect(rfm.spent).toBeGreaterThan(0);
      expect(c.pAlive).toBeGreaterThanOrEqual(0);
      expect(c.pAlive).toBeLessThanOrEqual(1);
      expect(c.expectedPurchases90d).toBeGreaterThanOrEqual(0);
      expect(c.expectedAverageSpend).toBeGreaterThan(0);
      expect(Number.isInteger(c.expectedAverageSpend)).toBe(true);
      expect(c.clv12m).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(c.clv12m)).toBe(true);
      if (c.purchases.x === 0) expect(c.pAlive).toBe(1);
    }
  });

  it('sees a long-silent frequent buyer as less likely alive than a recent one', () => {
    const repeaters = items.filter((i) => i.insights.purchases.x >= 3);
    const quiet = repeaters.reduce((a, b) => (b.insights.rfm!.days > a.insights.rfm!.days ? b : a));
    const recent = repeaters.reduce((a, b) => (b.insights.rfm!.days < a.insights.rfm!.days ? b : a));
    expect(quiet.insights.rfm!.recency).toBeLessThan(recent.insights.rfm!.recency);
    expect(quiet.insights.pAlive).toBeLessThan(recent.insights.pAlive as number);
  });

  it('adds up the RFM groups and the atRisk flags to the purchasers', () => {
    expect(result.rfmReason).toBeUndefined();
    expect(Object.values(result.rfmGroups).reduce((a, b) => a + b, 0)).toBe(1500);
    for (const [group, count] of Object.entries(result.rfmGroups)) {
      expect(items.filter((i) => i.insights.rfm!.group === group)).toHaveLength(count);
    }
    expect(result.atRisk).toBe(items.filter((i) => i.insights.atRisk).length);
    expect(result.atRisk).toBeGreaterThan(0);
  });

  it('forecasts nothing for no days, more for more days, and the sum of the customers’ own 90-day figures', () => {
    expect(result.forecast(0)).toEqual({ days: 0, expectedPurchases: 0, expectedRevenue: 0 });
    const quarter = result.forecast(90);
    const year = result.forecast(365);
    if (!quarter || !year) throw new Error('no forecast');
    expect(quarter.expectedPurchases).toBeGreaterThan(0);
    expect(year.expectedPurchases).toBeGreaterThan(quarter.expectedPurchases);
    expect(year.expectedRevenue).toBeGreaterThan(quarter.expectedRevenue as number);
    const sum = items.reduce((s, i) => s + (i.insights.expectedPurchases90d as number), 0);
    expect(quarter.expectedPurchases).toBeCloseTo(sum, 0);
  });

  it('values the year ahead more at a 0% discount rate than at 10%, by less than a year’s discount', async () => {
    const shop = simulatedShop(300, 11);
    const at10 = new Map((await collect(await computeInsights(shop, { asOf: ASOF, timeZone: 'Europe/Rome' }))).map((i) => [i.customerId, i.insights.clv12m as number]));
    const at0 = await collect(await computeInsights(shop, { asOf: ASOF, timeZone: 'Europe/Rome', discountRate: 0 }));
    const best = at0.reduce((a, b) => ((b.insights.clv12m as number) > (a.insights.clv12m as number) ? b : a));
    const ratio = (at10.get(best.customerId) as number) / (best.insights.clv12m as number);
    expect(ratio).toBeLessThan(1);
    expect(ratio).toBeGreaterThan(1 / 1.1);
  });
});

describe('RFM on the card', () => {
  const at = (daysAgo: number) => new Date(ASOF_MS - daysAgo * DAY - 6 * 3_600_000).toISOString();
  const customer = (customerId: string, purchases: [daysAgo: number, amount: number][]) => ({ customerId, purchases: purchases.map(([d, amount]) => ({ at: at(d), amount })) });
  // Worked out by hand, 1 + floor(5k / 5) with k the customers strictly worse:
  //   days    a 1 · b 10 · c 40 · d 90 · e 200   → R 5, 4, 3, 2, 1
  //   visits  a 3 · b 2 · c 1 · d 1 · e 2        → F 5, 3, 1, 1, 3 (ties share the score of their first place)
  //   spent   a 300 € · b 80 · c 50 · d 20 · e 30 → M 5, 4, 3, 1, 2
  const five = [
    customer('a', [[1, 10_000], [20, 10_000], [50, 10_000]]),
    customer('b', [[10, 4000], [60, 4000]]),
    customer('c', [[40, 5000]]),
    customer('d', [[90, 2000]]),
    customer('e', [[200, 1500], [300, 1500]]),
  ];

  it('holds the scores in recency, frequency and monetary, and the figures scored beside them', async () => {
    const result = await computeInsights(five, { asOf: ASOF, timeZone: 'UTC' });
    const rfm = Object.fromEntries([...result.insights()].map((i) => [i.customerId, i.insights.rfm]));
    expect(rfm).toEqual({
      a: { recency: 5, frequency: 5, monetary: 5, score: '555', group: 'Champions', days: 1, occasions: 3, spent: 30_000 },
      b: { recency: 4, frequency: 4, monetary: 4, score: '444', group: 'Champions', days: 10, occasions: 2, spent: 8000 },
      c: { recency: 3, frequency: 1, monetary: 3, score: '313', group: 'About to sleep', days: 40, occasions: 1, spent: 5000 },
      d: { recency: 2, frequency: 1, monetary: 1, score: '211', group: 'Hibernating', days: 90, occasions: 1, spent: 2000 },
      e: { recency: 1, frequency: 4, monetary: 2, score: '142', group: 'At risk', days: 200, occasions: 2, spent: 3000 },
    });
    expect(result.rfmReason).toBeUndefined();
    expect(Object.fromEntries(Object.entries(result.rfmGroups).filter(([, n]) => n > 0))).toEqual({ Champions: 2, 'About to sleep': 1, Hibernating: 1, 'At risk': 1 });
  });

  it('scores the best of 3 purchasers 5 (the review found them "At risk"), and gives one purchaser alone no RFM, saying why', async () => {
    // The review's case: the best customer bought yesterday and spent the most, and scored "244", "At risk".
    const three = await computeInsights(five.slice(0, 3), { asOf: ASOF, timeZone: 'UTC' });
    expect(three.rfmReason).toBeUndefined();
    const rfm = Object.fromEntries([...three.insights()].map((i) => [i.customerId, i.insights.rfm]));
    // Days 1, 10, 40; occasions 3, 2, 1; spent 30,000, 8,000, 5,000: each best beats both others (5), the middle one half (3).
    expect(rfm).toEqual({
      a: { recency: 5, frequency: 5, monetary: 5, score: '555', group: 'Champions', days: 1, occasions: 3, spent: 30_000 },
      b: { recency: 3, frequency: 3, monetary: 3, score: '333', group: 'Need attention', days: 10, occasions: 2, spent: 8000 },
      c: { recency: 1, frequency: 1, monetary: 1, score: '111', group: 'Lost', days: 40, occasions: 1, spent: 5000 },
    });
    const one = await computeInsights(five.slice(0, 1), { asOf: ASOF, timeZone: 'UTC' });
    expect(one.rfmGroups).toEqual({});
    expect(one.rfmReason).toBe('RFM groups need at least 2 customers with a purchase; so far there is 1.');
    const [only] = [...one.insights()];
    expect(only!.insights).not.toHaveProperty('rfm');
    // What needs no crowd is still there.
    expect(only!.insights).toHaveProperty('atRisk');
    expect(only!.insights).toHaveProperty('purchases');
  });

  it('counts only customers with a purchase up to asOf towards the 2', async () => {
    const result = await computeInsights([five[0]!, customer('later', [[-3, 1000]]), { customerId: 'none', purchases: [] }], { asOf: ASOF, timeZone: 'UTC' });
    expect(result).toMatchObject({ customers: 3, purchasers: 1, rfmGroups: {} });
    expect(result.rfmReason).toMatch(/so far there is 1\.$/);
  });
});

describe('a tenant the models cannot speak for', () => {
  it('gives no model figures and says why when there are fewer than 20 purchasers', async () => {
    const shop = simulatedShop(19, 3);
    const result = await computeInsights(shop, { asOf: ASOF, timeZone: 'Europe/Rome' });
    expect(result.models.bgnbd).toBeNull();
    expect(result.models.gammaGamma).toBeNull();
    expect(result.models.reason).toMatch(/at least 20 customers with a purchase/);
    expect(result.models.reason).toMatch(/so far there are 19 customers/);
    expect(result.forecast(90)).toBeNull();
    for (const { insights } of result.insights()) {
      expect(Object.keys(insights).sort()).toEqual(['asOf', 'atRisk', 'purchases', 'rfm']);
    }
  });

  it('gives no model figures when almost no one has come back', async () => {
    const shop = Array.from({ length: 40 }, (_, i) => ({
      customerId: `c${i}`,
      purchases: [
        { at: new Date(ASOF_MS - (i + 1) * 5 * DAY).toISOString(), amount: 1500 },
        ...(i < 4 ? [{ at: new Date(ASOF_MS - i * DAY).toISOString(), amount: 900 }] : []),
      ],
    }));
    const result = await computeInsights(shop, { asOf: ASOF, timeZone: 'UTC' });
    expect(result.models).toMatchObject({ bgnbd: null, gammaGamma: null });
    expect(result.models.reason).toMatch(/5 who came back on another day; so far there are 40 customers with a purchase and 4 came back/);
    const [first] = result.insights();
    // Two occasions among 40 customers of whom 36 came once: F = 1 + floor(5·36/40) = 5.
    expect(first.insights.rfm).toMatchObject({ occasions: 2, frequency: 5 });
    expect(first.insights).not.toHaveProperty('pAlive');
  });

  it('gives no model figures when every customer behaves exactly alike (the fit has nothing to tell apart)', async () => {
    // 30 customers, each buying every 10 days for 100 days, the last one today: no sign of anyone leaving.
    const shop = Array.from({ length: 30 }, (_, i) => ({
      customerId: `c${i}`,
      purchases: Array.from({ length: 11 }, (_, k) => ({ at: new Date(ASOF_MS - k * 10 * DAY).toISOString(), amount: 2000 + k })),
    }));
    const result = await computeInsights(shop, { asOf: ASOF, timeZone: 'UTC' });
    expect(result.models.bgnbd).toBeNull();
    expect(result.models.reason).toMatch(/purchase model \(BG\/NBD\)/);
    for (const { insights } of result.insights()) {
      expect(insights).not.toHaveProperty('pAlive');
      expect(insights).not.toHaveProperty('clv12m');
    }
  });
});

describe('reading the customers', () => {
  it('reads an async stream as well as an array, with the same result', async () => {
    const shop = simulatedShop(60, 5);
    async function* stream() {
      for (const c of shop) yield c;
    }
    const fromArray = await computeInsights(shop, { asOf: ASOF, timeZone: 'Europe/Rome' });
    const fromStream = await computeInsights(stream(), { asOf: ASOF, timeZone: 'Europe/Rome' });
    expect(fromStream.models).toEqual(fromArray.models);
    expect([...fromStream.insights()]).toEqual([...fromArray.insights()]);
  });

  it('recomputes as of a past day: later purchases do not count', async () => {
    const purchases = [
      { at: '2025-01-10T10:00:00Z', amount: 1000 },
      { at: '2025-02-10T10:00:00Z', amount: 3000 },
      { at: '2025-03-10T10:00:00Z', amount: 5000 },
    ];
    // Four one-time buyers beside them, so that there are enough purchasers for RFM.
    const others = [1, 2, 3, 4].map((k) => ({ customerId: `o${k}`, purchases: [{ at: `2025-01-0${k}T10:00:00Z`, amount: 500 }] }));
    const result = await computeInsights([{ customerId: 'a', purchases }, ...others], { asOf: '2025-02-28T12:00:00Z', timeZone: 'UTC' });
    const [{ insights }] = [...result.insights()];
    // 18 days since 10 Feb, 2 occasions, 40.00 (the March purchase is after asOf): the best of five on each.
    expect(insights.rfm).toEqual({ recency: 5, frequency: 5, monetary: 5, score: '555', group: 'Champions', days: 18, occasions: 2, spent: 4000 });
    expect(insights.purchases).toEqual({ x: 1, tx: 31 / 7, T: 49 / 7 });
  });

  it('refuses an asOf that is not a date-time and a discount rate of −100%', async () => {
    await expect(computeInsights([], { asOf: 'yesterday', timeZone: 'UTC' })).rejects.toThrow(RangeError);
    await expect(computeInsights([], { asOf: ASOF, timeZone: 'UTC', discountRate: -1 })).rejects.toThrow(RangeError);
  });
});
