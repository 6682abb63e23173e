import { describe, expect, it } from 'vitest';
import { interpolateForecast, resolveAsOf, startNightlyRecompute, summary } from '../../shared/insights/insights.ts';
import { appliesAutoTags, failureReason, insightsChange, sameInsights, type InsightsStore, type RecomputeRecord, type StoredSummary } from '../../shared/insights/recompute.ts';
import { newTenant } from '../../shared/domain/tenant.schema.ts';
import { blankCustomer } from '../../shared/domain/customer.schema.ts';

describe('forecast curve', () => {
  const curve = [
    { days: 0, expectedPurchases: 0, expectedRevenue: 0 },
    { days: 30, expectedPurchases: 10, expectedRevenue: 3000 },
    { days: 60, expectedPurchases: 16, expectedRevenue: 4800 },
  ];
  it('answers a stored horizon as stored and interpolates between two', () => {
    expect(interpolateForecast(curve, 30)).toEqual({ expectedPurchases: 10, expectedRevenue: 3000 });
    expect(interpolateForecast(curve, 45)).toEqual({ expectedPurchases: 13, expectedRevenue: 3900 });
    expect(interpolateForecast(curve, 3)).toEqual({ expectedPurchases: 1, expectedRevenue: 300 });
  });
});

describe('asOf', () => {
  const tenant = newTenant('t', 't', '2026-01-01T00:00:00Z');
  const now = new Date('2026-11-30T10:00:00Z');
  it('a date is the end of that day in the tenant time zone; today is now; the future is refused', () => {
    expect(resolveAsOf('2026-06-30', tenant, now)).toBe('2026-06-30T21:59:59.999Z');
    expect(resolveAsOf('2026-11-30', tenant, now)).toBe(now.toISOString());
    expect(resolveAsOf(undefined, tenant, now)).toBe(now.toISOString());
    expect(() => resolveAsOf('2026-12-01', tenant, now)).toThrow(/future/);
  });
  it('before 1970-01-01 (no event is older) is refused, naming asOf', () => {
    const utc = { ...tenant, timeZone: 'UTC' };
    for (const asOf of ['1969-12-31', '1969-12-31T23:59:59Z', '0001-01-01']) {
      expect(() => resolveAsOf(asOf, utc, now)).toThrow(expect.objectContaining({ status: 400, errors: [expect.objectContaining({ path: 'asOf' })] }));
    }
    expect(resolveAsOf('1970-01-01', utc, now)).toBe('1970-01-01T23:59:59.999Z');
  });
  it('automatic tags only in a recompute as of today (the tenant\'s day), not as of a past day', () => {
    const zone = tenant.timeZone; // Europe/Rome: now is 11:00 on 30 November
    expect(appliesAutoTags(now.toISOString(), now, zone)).toBe(true);
    expect(appliesAutoTags(resolveAsOf('2026-11-30', tenant, now), now, zone)).toBe(true);
    expect(appliesAutoTags('2026-11-29T23:00:00.000Z', now, zone)).toBe(true); // 00:00 today in Rome
    expect(appliesAutoTags(resolveAsOf('2026-06-01', tenant, now), now, zone)).toBe(false);
    expect(appliesAutoTags('2026-11-29T09:59:59.000Z', now, zone)).toBe(false);
  });
  it('a recompute as of yesterday (its date, or yesterday evening, less than 24 hours ago) changes no tag', () => {
    const zone = tenant.timeZone;
    // "As of yesterday": the end of 29 November in Rome, 11 hours before now.
    expect(appliesAutoTags(resolveAsOf('2026-11-29', tenant, now), now, zone)).toBe(false);
    expect(appliesAutoTags('2026-11-29T11:00:00.000Z', now, zone)).toBe(false);
    // A recompute as of now that reaches its writes just after midnight still applies them.
    const justAfterMidnight = new Date('2026-11-30T23:10:00Z');
    expect(appliesAutoTags('2026-11-30T22:55:00.000Z', justAfterMidnight, zone)).toBe(true);
  });
});

describe('the nightly run', () => {
  it('records and starts a recompute for the tenant it reaches', async () => {
    const created: [string, RecomputeRecord][] = [];
    const started: unknown[] = [];
    const store = { takeRecomputeLease: async () => ({ taken: true }), createRecompute: async (t: string, r: RecomputeRecord) => void created.push([t, r]) } as unknown as InsightsStore;
    const out = await startNightlyRecompute({ insights: store, start: async (i) => (started.push(i), { executionArn: 'arn:x' }), now: () => new Date('2026-11-30T02:00:00Z') }, 'a');
    expect(created.map(([t, r]) => [t, r.status, r.trigger, r.asOf])).toEqual([['a', 'pending', 'schedule', '2026-11-30T02:00:00.000Z']]);
    expect(out).toEqual({ tenantId: 'a', recomputeId: created[0]![1].id, executionArn: 'arn:x' });
    expect(started).toEqual([{ tenantId: 'a', recomputeId: created[0]![1].id }]);
  });
});

describe('what a recompute writes to a card', () => {
  const rfm = { recency: 3, frequency: 4, monetary: 5, score: '345', group: 'Loyal', days: 20, occasions: 4, spent: 5000 };
  const base = { asOf: '2026-11-01T00:00:00Z', rfm, purchases: { x: 3, tx: 6, T: 9 }, atRisk: false, favouriteItems: [] };
  const ctx = { tags: ['VIP'], timeZone: 'Europe/Rome', autoTags: [] };
  it('nothing when only asOf moved (key order does not matter either)', () => {
    const card = { ...blankCustomer('c', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), insights: { ...base, rfm: { spent: 5000, occasions: 4, days: 20, group: 'Loyal', score: '345', monetary: 5, frequency: 4, recency: 3 } } };
    expect(sameInsights(card.insights, { ...base, asOf: '2026-11-02T00:00:00Z' })).toBe(true);
    expect(insightsChange(card as never, { ...base, asOf: '2026-11-02T00:00:00Z' } as never, ctx, new Date())).toBeUndefined();
  });
  it('the new insights when a figure changed; null (REMOVE) when the customer has no purchase any more', () => {
    const card = { ...blankCustomer('c', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), insights: base };
    expect(insightsChange(card as never, { ...base, atRisk: true } as never, ctx, new Date())).toEqual({ insights: { ...base, atRisk: true } });
    expect(insightsChange(card as never, undefined, ctx, new Date())).toEqual({ insights: null });
  });
  it('the new insights for a card written before rfm held scores, even when its raw figures read like scores', () => {
    // Then recency/frequency/monetary were days, occasions and minor units, with no days/occasions/spent beside them.
    const old = { ...base, rfm: { recency: 3, frequency: 4, monetary: 5, score: '345', group: 'Loyal' } };
    const card = { ...blankCustomer('c', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), insights: old };
    expect(sameInsights(old, base)).toBe(false);
    expect(insightsChange(card as never, base as never, ctx, new Date())).toEqual({ insights: base });
  });
  it('the insights without rfm when the tenant has too few purchasers for it now', () => {
    const card = { ...blankCustomer('c', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), insights: base };
    const { rfm: _gone, ...withoutRfm } = base;
    expect(insightsChange(card as never, withoutRfm as never, ctx, new Date())).toEqual({ insights: withoutRfm });
  });
  it('a failure reason a person can read', () => {
    expect(failureReason({ Error: 'Error', Cause: JSON.stringify({ errorMessage: 'Service Unavailable' }) })).toMatch(/could not finish \(Service Unavailable\).*previous figures are still shown/);
  });
});

describe('the summary', () => {
  const stored = (over: Partial<StoredSummary>): StoredSummary => ({
    recomputeId: 'r',
    asOf: '2026-11-30T02:00:00.000Z',
    completedAt: '2026-11-30T02:01:00.000Z',
    customers: 4,
    purchasers: 3,
    rfmGroups: {},
    atRisk: 0,
    models: { bgnbd: null, gammaGamma: null, reason: 'Predictions need at least 20 customers with a purchase and 5 who came back on another day; so far there are 3 customers with a purchase and 0 came back.' },
    forecast: null,
    top: { clv12m: [], pAlive: [] },
    breakdown: { ageBand: [], gender: [], city: [], country: [], language: [], tag: [], rfmGroup: [] },
    ...over,
  });
  const answer = (s: StoredSummary) => {
    const insights = { getSummary: async () => s, monthRows: async () => [] } as unknown as InsightsStore;
    return summary({ insights, tenant: newTenant('t', 't', '2026-01-01T00:00:00Z') });
  };
  it('with too few purchasers for RFM: no group at all, and why', async () => {
    const reason = 'RFM groups need at least 2 customers with a purchase; so far there is 1.';
    const a = await answer(stored({ rfmReason: reason }));
    expect(a.rfmGroups).toEqual({});
    expect(a).toMatchObject({ purchasers: 3, rfmReason: reason });
  });
  it('with RFM: every group, in the documented order, and no reason', async () => {
    const a = await answer(stored({ purchasers: 6, rfmGroups: { Lost: 1, Champions: 5 } }));
    expect(Object.keys(a.rfmGroups)[0]).toBe('Champions');
    expect(Object.keys(a.rfmGroups)).toHaveLength(11);
    expect(a.rfmGroups).toMatchObject({ Champions: 5, Lost: 1, Loyal: 0 });
    expect(a).not.toHaveProperty('rfmReason');
  });
});
