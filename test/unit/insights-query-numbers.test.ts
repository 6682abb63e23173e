import { describe, expect, it } from 'vitest';
import { AlsoBoughtQuerySchema, KeywordsQuerySchema, RecommendationsQuerySchema, RulesQuerySchema } from '../../shared/insights/baskets-api.ts';
import { ForecastQuerySchema, TopCustomersQuerySchema } from '../../shared/insights/insights.ts';

/** The numbers of the insights query strings: `?minSupport=` was read as 0 (every rule), `?days=` as a forecast of 0 days. */
const issues = (r: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) => r.error?.issues.map((i) => [i.path.join('.'), i.message]);

describe('insights query numbers', () => {
  it('an empty or blank value is a 400 naming the parameter, not 0', () => {
    for (const value of ['', ' ']) {
      expect(issues(RulesQuerySchema.safeParse({ minSupport: value }))).toEqual([['minSupport', 'must be a number, not empty']]);
      expect(issues(RulesQuerySchema.safeParse({ minConfidence: value }))).toEqual([['minConfidence', 'must be a number, not empty']]);
      expect(issues(AlsoBoughtQuerySchema.safeParse({ sku: 'A', minSupport: value }))).toEqual([['minSupport', 'must be a number, not empty']]);
      expect(issues(ForecastQuerySchema.safeParse({ days: value }))).toEqual([['days', 'must be a number, not empty']]);
      expect(issues(RulesQuerySchema.safeParse({ limit: value }))).toEqual([['limit', 'must be a number, not empty']]);
      expect(issues(TopCustomersQuerySchema.safeParse({ by: 'clv12m', limit: value }))).toEqual([['limit', 'must be a number, not empty']]);
      expect(issues(RecommendationsQuerySchema.safeParse({ limit: value }))).toEqual([['limit', 'must be a number, not empty']]);
      expect(issues(KeywordsQuerySchema.safeParse({ limit: value }))).toEqual([['limit', 'must be a number, not empty']]);
    }
  });

  it('hex, Infinity and NaN are not numbers', () => {
    for (const value of ['0x1', 'Infinity', 'NaN', '1/2']) {
      expect(issues(RulesQuerySchema.safeParse({ minSupport: value }))).toEqual([['minSupport', 'must be a number']]);
      expect(issues(ForecastQuerySchema.safeParse({ days: value }))).toEqual([['days', 'must be a number']]);
    }
  });

  it('absent parameters take their defaults; decimal values are read', () => {
    expect(RulesQuerySchema.parse({})).toEqual({ minSupport: 0.01, minConfidence: 0.1, sort: 'lift', limit: 50 });
    expect(RulesQuerySchema.parse({ minSupport: '0', minConfidence: '.25', limit: '7' })).toMatchObject({ minSupport: 0, minConfidence: 0.25, limit: 7 });
    expect(ForecastQuerySchema.parse({})).toEqual({ days: 90 });
    expect(ForecastQuerySchema.parse({ days: '0' })).toEqual({ days: 0 });
    expect(ForecastQuerySchema.safeParse({ days: '1.5' }).success).toBe(false);
    expect(RulesQuerySchema.safeParse({ minSupport: '1.5' }).success).toBe(false);
  });
});
