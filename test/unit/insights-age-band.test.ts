import { describe, expect, it } from 'vitest';
import { ageBand } from '../../shared/insights/recompute.ts';

describe('the insights age band', () => {
  it("counts the age on asOf's day in the tenant's time zone: at 00:30 in Rome on 1 December a birthday of 1 December has passed", () => {
    // 23:30 UTC on 30 November is 00:30 on 1 December in Rome: 25 today.
    expect(ageBand('2001-12-01', '2026-11-30T23:30:00.000Z', 'Europe/Rome')).toBe('25-34');
    // In UTC it is still 30 November: 24.
    expect(ageBand('2001-12-01', '2026-11-30T23:30:00.000Z', 'UTC')).toBe('<25');
    // West of UTC the day has not begun yet: 19:30 on 30 November in New York.
    expect(ageBand('2001-12-01', '2026-12-01T00:30:00.000Z', 'America/New_York')).toBe('<25');
  });
  it('keeps the bands and the unknown', () => {
    expect(ageBand(null, '2026-06-01T10:00:00.000Z', 'Europe/Rome')).toBe('unknown');
    expect(ageBand('1961-06-01', '2026-06-01T10:00:00.000Z', 'Europe/Rome')).toBe('65+');
    expect(ageBand('1961-06-02', '2026-06-01T10:00:00.000Z', 'Europe/Rome')).toBe('55-64');
  });
});
