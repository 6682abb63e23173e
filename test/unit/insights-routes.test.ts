import { describe, expect, it } from 'vitest';
import { interpolateForecast, resolveAsOf, startNightlyRecomputes } from '../../shared/insights/insights.ts';
import { appliesAutoTags, failureReason, insightsChange, sameInsights, type InsightsStore, type RecomputeRecord } from '../../shared/insights/recompute.ts';
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
  it('automatic tags only in a recompute as of now (within a day), not as of a past day', () => {
    expect(appliesAutoTags(now.toISOString(), now)).toBe(true);
    expect(appliesAutoTags(resolveAsOf('2026-11-30', tenant, now), now)).toBe(true);
    expect(appliesAutoTags('2026-11-29T11:00:00.000Z', now)).toBe(true);
    expect(appliesAutoTags(resolveAsOf('2026-06-01', tenant, now), now)).toBe(false);
    expect(appliesAutoTags('2026-11-29T09:59:59.000Z', now)).toBe(false);
  });
});

describe('the nightly run', () => {
  it('records and starts one recompute per listed tenant', async () => {
    const created: [string, RecomputeRecord][] = [];
    const started: unknown[] = [];
    const store = { tenantIds: async () => ['a', 'b'], takeRecomputeLease: async () => ({ taken: true }), createRecompute: async (t: string, r: RecomputeRecord) => void created.push([t, r]) } as unknown as InsightsStore;
    const { started: ids } = await startNightlyRecomputes({ insights: store, start: async (i) => void started.push(i), now: () => new Date('2026-11-30T02:00:00Z') });
    expect(created.map(([t, r]) => [t, r.status, r.trigger, r.asOf])).toEqual([
      ['a', 'pending', 'schedule', '2026-11-30T02:00:00.000Z'],
      ['b', 'pending', 'schedule', '2026-11-30T02:00:00.000Z'],
    ]);
    expect(started).toEqual([{ tenantId: 'a', recomputeId: ids[0] }, { tenantId: 'b', recomputeId: ids[1] }]);
  });
});

describe('what a recompute writes to a card', () => {
  const base = { asOf: '2026-11-01T00:00:00Z', rfm: { recency: 3, frequency: 2, monetary: 5000, score: '345', group: 'Loyal' }, purchases: { x: 1, tx: 1, T: 4 }, atRisk: false, favouriteItems: [] };
  const ctx = { tags: ['VIP'], timeZone: 'Europe/Rome', autoTags: [] };
  it('nothing when only asOf moved (key order does not matter either)', () => {
    const card = { ...blankCustomer('c', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), insights: { ...base, rfm: { group: 'Loyal', score: '345', monetary: 5000, frequency: 2, recency: 3 } } };
    expect(sameInsights(card.insights, { ...base, asOf: '2026-11-02T00:00:00Z' })).toBe(true);
    expect(insightsChange(card as never, { ...base, asOf: '2026-11-02T00:00:00Z' } as never, ctx, new Date())).toBeUndefined();
  });
  it('the new insights when a figure changed; null (REMOVE) when the customer has no purchase any more', () => {
    const card = { ...blankCustomer('c', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), insights: base };
    expect(insightsChange(card as never, { ...base, atRisk: true } as never, ctx, new Date())).toEqual({ insights: { ...base, atRisk: true } });
    expect(insightsChange(card as never, undefined, ctx, new Date())).toEqual({ insights: null });
  });
  it('a failure reason a person can read', () => {
    expect(failureReason({ Error: 'Error', Cause: JSON.stringify({ errorMessage: 'Service Unavailable' }) })).toMatch(/could not finish \(Service Unavailable\).*previous figures are still shown/);
  });
});
