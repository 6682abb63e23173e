import { describe, expect, it } from 'vitest';
import { MAX_ZONE_FORMATTERS, instantOfLocalTime, localDate, startOfLocalDay, zoneFormatter, zoneFormatterCount } from '../../shared/domain/calendar.ts';

// The zone formatters are made once per zone (shared/domain/calendar.ts): answers for one zone never leak into
// another's, asked in any order.
describe('calendar in a time zone', () => {
  it('tells the day an instant falls on in each zone, zones asked in turn', () => {
    const late = new Date('2026-03-28T23:30:00Z');
    expect(localDate(late, 'Europe/Rome')).toBe('2026-03-29');
    expect(localDate(late, 'America/New_York')).toBe('2026-03-28');
    expect(localDate(late, 'Asia/Tokyo')).toBe('2026-03-29');
    expect(localDate(late, 'Europe/Rome')).toBe('2026-03-29');
    expect(localDate(late, 'UTC')).toBe('2026-03-28');
  });

  it('starts a day at local midnight, on both sides of a clock change', () => {
    expect(startOfLocalDay('2026-03-29', 'Europe/Rome').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfLocalDay('2026-03-30', 'Europe/Rome').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(startOfLocalDay('2026-03-29', 'America/New_York').toISOString()).toBe('2026-03-29T04:00:00.000Z');
    expect(startOfLocalDay('2026-01-10', 'America/New_York').toISOString()).toBe('2026-01-10T05:00:00.000Z');
    expect(startOfLocalDay('2026-03-30', 'Europe/Rome').toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });

  it('reads a wall-clock time in the skipped and the repeated hour as calendars do', () => {
    // 02:30 on 29 March 2026 never shows in Rome: the clock would have read it an hour after 01:30 winter time.
    expect(instantOfLocalTime('2026-03-29', '02:30', 'Europe/Rome').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 on 25 October 2026 shows twice: the first time, summer time.
    expect(instantOfLocalTime('2026-10-25', '02:30', 'Europe/Rome').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(instantOfLocalTime('2026-07-01', '20:00', 'Europe/Rome').toISOString()).toBe('2026-07-01T18:00:00.000Z');
    expect(instantOfLocalTime('2026-07-01', '20:00', 'Asia/Kolkata').toISOString()).toBe('2026-07-01T14:30:00.000Z');
  });

  it('refuses a zone that does not exist, every time it is asked', () => {
    expect(() => localDate(new Date(), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => localDate(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('the formatters kept per zone', () => {
  it('stay bounded however many spellings of zones a process meets, and answer right after being dropped', () => {
    // Intl reads a zone in any letter case: a tenant's setting can name Rome in thousands of spellings.
    const spellings = Array.from({ length: 4 * MAX_ZONE_FORMATTERS }, (_, i) => [...'europe/rome'].map((c, k) => ((i >> k) & 1 ? c.toUpperCase() : c)).join(''));
    const late = new Date('2026-03-28T23:30:00Z');
    for (const zone of spellings) {
      expect(localDate(late, zone)).toBe('2026-03-29');
      expect(startOfLocalDay('2026-03-29', zone).toISOString()).toBe('2026-03-28T23:00:00.000Z');
      expect(zoneFormatter('month', zone).formatToParts(late).find((p) => p.type === 'month')!.value).toBe('03');
    }
    // Four shapes (wall clock, day, month, day parts), each keeping at most MAX_ZONE_FORMATTERS zones.
    expect(zoneFormatterCount()).toBeLessThanOrEqual(4 * MAX_ZONE_FORMATTERS);
  });
});
