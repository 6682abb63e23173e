import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { previousPeriodStart } from '../../shared/insights/previous-period.ts';
import { keywords } from '../../shared/insights/keywords.ts';
import { keywordsReport, KeywordsQuerySchema } from '../../shared/insights/baskets-api.ts';
import type { BasketsStore } from '../../shared/insights/baskets.ports.ts';
import type { StoredKeywords } from '../../shared/insights/stored-baskets.ts';
import type { Tenant } from '../../shared/domain/tenant.schema.ts';

/**
 * The keywords' trend compares the period with the one before it, of the same length in the tenant's days
 * (docs/api.md: dates are days in the tenant's time zone), not in milliseconds: across the October clock change
 * 30 × 24 hours back started at 01:00, and a text written between midnight and 01:00 counted in neither period.
 */
const TZ = 'Europe/Rome';

describe('the keywords’ previous period counts the tenant’s days', () => {
  // November in Rome: 1 November 00:00 (23:00Z the day before) to 1 December 00:00; clocks went back on 25 October.
  const from = Date.parse('2026-10-31T23:00:00.000Z');
  const to = Date.parse('2026-11-30T23:00:00.000Z');

  it('November follows 2–31 October from midnight, not from 01:00', () => {
    expect(new Date(previousPeriodStart(from, to, TZ)).toISOString()).toBe('2026-10-01T22:00:00.000Z');
    // A week of whole days in spring (29 March 2026 is 23 hours long).
    expect(new Date(previousPeriodStart(Date.parse('2026-03-31T22:00:00.000Z'), Date.parse('2026-04-07T22:00:00.000Z'), TZ)).toISOString()).toBe('2026-03-24T23:00:00.000Z');
    // Without a clock change, or without a zone, the same length in milliseconds.
    expect(previousPeriodStart(Date.parse('2026-05-10T22:00:00.000Z'), Date.parse('2026-05-20T22:00:00.000Z'), TZ)).toBe(Date.parse('2026-04-30T22:00:00.000Z'));
    expect(previousPeriodStart(from, to, undefined)).toBe(from - (to - from));
  });

  it('GET /v1/insights/keywords: a text at 00:30 on 2 October counts in the previous period', async () => {
    const at = (iso: string) => Date.parse(iso);
    const corpus: StoredKeywords = {
      asOf: '2026-12-01T00:00:00.000Z',
      languages: ['it'],
      terms: ['forno a legna'],
      texts: [
        [at('2026-11-05T12:00:00Z'), 0, 0, 0],
        [at('2026-11-10T12:00:00Z'), 1, 0, 0],
        [at('2026-11-20T12:00:00Z'), 0, 0, 0],
        [at('2026-10-02T00:30:00+02:00'), 2, 0, 0],
        [at('2026-10-31T23:30:00+01:00'), 3, 0, 0],
      ],
    };
    const baskets = { getStored: async () => JSON.stringify(corpus) } as unknown as BasketsStore;
    const r = await keywordsReport({ baskets, tenant: { id: 't', timeZone: TZ } as Tenant }, KeywordsQuerySchema.parse({ from: '2026-11-01', to: '2026-11-30' }));
    expect(r).toMatchObject({ from: '2026-10-31T23:00:00.000Z', previousFrom: '2026-10-01T22:00:00.000Z', texts: 3, previousTexts: 2 });
    expect(r.items[0]).toMatchObject({ term: 'forno a legna', count: 3, previousCount: 2 });
  });

  it('the keyword counter reads the same previous period', async () => {
    const text = (id: string, at: string) => ({ customerId: id, text: 'il forno a legna', at, language: 'it' });
    const report = await keywords([text('a', '2026-11-05T12:00:00Z'), text('b', '2026-10-02T00:30:00+02:00')], { from, to, timeZone: TZ, minCount: 1, minCustomers: 1 });
    expect(report).toMatchObject({ previousFrom: '2026-10-01T22:00:00.000Z', texts: 1, previousTexts: 1 });
  });
});

describe('the previous period at the ends of the calendar', () => {
  it('the widest period (1970 to the end of 9999) and one reaching before 1970 fall back to milliseconds', () => {
    const end = Date.parse('9999-12-31T23:59:59.999Z');
    const start = Date.parse('1969-12-31T23:00:00.000Z');
    expect(previousPeriodStart(start, end, 'Europe/Rome')).toBe(start - (end - start));
    const late = Date.parse('9999-12-30T23:00:00.000Z');
    expect(previousPeriodStart(late, end, 'Europe/Rome')).toBe(late - (end - late));
    const from = Date.parse('5000-01-01T00:00:00.000Z');
    expect(previousPeriodStart(from, Date.parse('9999-12-30T00:00:00.000Z'), 'UTC')).toBe(from - (Date.parse('9999-12-30T00:00:00.000Z') - from));
  });

  it('any period from 1970 to the end of 9999, in any of a few zones: an instant before `from`, never an error', () => {
    const EARLIEST = Date.parse('1969-12-31T00:00:00.000Z');
    const LATEST = Date.parse('9999-12-31T23:59:59.999Z');
    fc.assert(
      fc.property(
        fc.integer({ min: EARLIEST, max: LATEST }),
        // Mostly periods of up to 400 days (the tenant-day rule), sometimes any length (the fallbacks).
        fc.oneof(fc.integer({ min: 1, max: 400 * 86_400_000 }), fc.integer({ min: 1, max: LATEST - EARLIEST })),
        fc.constantFrom('Europe/Rome', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'),
        (x, length, zone) => {
        const [from, to] = [Math.min(x, LATEST - 1), Math.min(x + length, LATEST)];
        fc.pre(to > from);
        const start = previousPeriodStart(from, to, zone);
        expect(Number.isFinite(start)).toBe(true);
        expect(start).toBeLessThan(from);
        },
      ),
      { numRuns: 500 },
    );
  });
});
